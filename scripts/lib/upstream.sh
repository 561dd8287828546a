# Sourced by scripts/loadtest.sh and scripts/serve-insn.sh: what both measure with. The
# upstream is nginx answering a 53-byte JSON document on loopback, kept alive.
#
#   upstream_conf DIR PORT WORKERS   # writes DIR/nginx.conf (pid, logs and temp files in DIR)
upstream_conf() {
    local dir="$1" port="$2" workers="$3"
    cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir;
    proxy_temp_path $dir;
    fastcgi_temp_path $dir;
    uwsgi_temp_path $dir;
    scgi_temp_path $dir;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        location / {
            default_type application/json;
            add_header x-request-id req-42;
            return 200 '[{"id":1,"name":"anchor"},{"id":2,"name":"compass"}]';
        }
    }
}
CONF
}

# The policy corsair serve applies in both (nginx's proxy in loadtest.sh applies the same,
# written by hand).
#
#   corsair_conf FILE LISTEN_PORT UPSTREAM_PORT [EXTRA_SERVER_LINES]
corsair_conf() {
    cat >"$1" <<CONF
[cors]
allow_origins = ["https://app.example.com", "https://*.example.com"]
allow_methods = ["GET", "POST", "PUT", "DELETE"]
allow_headers = ["content-type", "authorization"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 600

[server]
listen = "127.0.0.1:$2"
upstream = "http://127.0.0.1:$3"
max_connections = 4096
watch = false
${4:-}
CONF
}
