/* sock: bind and listen the held sockets. Nothing else opens a socket the app gets. */
#ifndef TINYHOLD_SOCK_H
#define TINYHOLD_SOCK_H

#include "spec.h"

#include <sys/socket.h>

/* The listen backlog when -b is not given: net.core.somaxconn, else SOMAXCONN. */
int sock_default_backlog(void);

/* A bound (and, for streams, listening) CLOEXEC socket, or -errno.
 * A dual-stack spec falls back to IPv4 when the kernel has no IPv6; then
 * *fell_back_to_inet is set, so the caller can say which address it bound. */
int sock_open(const struct sockspec *s, int backlog, int *fell_back_to_inet);

/* s's address as bind() and connect() take it, for family AF_UNIX, AF_INET6
 * or AF_INET (a dual-stack spec is either: the caller picks); its length. */
socklen_t sock_addr(const struct sockspec *s, int family, struct sockaddr_storage *ss);

#endif
