# Sourced by scripts/loadtest.sh and scripts/serve-insn.sh: the upstream both measure
# against, nginx answering a 53-byte JSON document on loopback, kept alive.
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
