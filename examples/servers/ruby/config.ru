# A Rack app for puma under tinyhold. The bind address must be the held socket's,
# exactly: -p 8080 holds [::]:8080, so
#   tinyhold -p 8080 -- puma -b 'tcp://[::]:8080' config.ru
run ->(env) { [200, { "content-type" => "text/plain" }, ["hello from puma, restart #{ENV["TINYHOLD_RESTARTS"]}\n"]] }
