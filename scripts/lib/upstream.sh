# Sourced by scripts/loadtest.sh and scripts/serve-insn.sh: what both measure with. The
# upstream is nginx answering a 53-byte JSON document on loopback, kept alive.
#
# The start of an nginx configuration, up to the inside of `http {`: the pid, logs and
# temporary files in DIR, no access log, keep-alive without a request limit.
#
#   nginx_head DIR WORKERS
nginx_head() {
    cat <<CONF
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $1;
    proxy_temp_path $1;
    fastcgi_temp_path $1;
    uwsgi_temp_path $1;
    scgi_temp_path $1;
    keepalive_requests 1000000;
CONF
}

#   upstream_conf DIR PORT WORKERS   # writes DIR/nginx.conf (pid, logs and temp files in DIR)
upstream_conf() {
    local dir="$1" port="$2" workers="$3"
    {
        nginx_head "$dir" "$workers"
        cat <<CONF
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
    } >"$dir/nginx.conf"
}

# The policy corsair serve applies in both (nginx_proxy_conf below applies the same, written
# by hand for nginx).
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

# nginx as a CORS reverse proxy applying corsair_conf's policy, written by hand: preflights
# answered by nginx, other requests forwarded to the upstream with the CORS headers added.
#
#   nginx_proxy_conf DIR PORT UPSTREAM_PORT WORKERS [LISTEN_SUFFIX] [TLS_LINES]
#   # writes DIR/nginx.conf; for TLS, LISTEN_SUFFIX " ssl" and TLS_LINES "ssl_certificate ...;"
nginx_proxy_conf() {
    local dir="$1" port="$2" upstream="$3" workers="$4" listen_tls="${5:-}" tls_lines="${6:-}"
    {
        nginx_head "$dir" "$workers"
        cat <<EOF
    upstream api {
        server 127.0.0.1:$upstream;
        keepalive 128;
    }
    map \$http_origin \$cors_origin {
        default "";
        "https://app.example.com" \$http_origin;
        "~^https://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.com\$" \$http_origin;
    }
    map \$cors_origin \$cors_credentials {
        default "";
        "~." "true";
    }
    map \$cors_origin \$cors_expose {
        default "";
        "~." "x-request-id";
    }
    server {
        listen 127.0.0.1:$port$listen_tls;
        $tls_lines
        location / {
            set \$preflight "";
            if (\$http_access_control_request_method) {
                set \$preflight "\${request_method}";
            }
            if (\$preflight = "OPTIONS") {
                add_header Access-Control-Allow-Origin \$cors_origin always;
                add_header Access-Control-Allow-Credentials \$cors_credentials always;
                add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE" always;
                add_header Access-Control-Allow-Headers "content-type, authorization" always;
                add_header Access-Control-Max-Age 600 always;
                add_header Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" always;
                return 204;
            }
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin \$cors_origin always;
            add_header Access-Control-Allow-Credentials \$cors_credentials always;
            add_header Access-Control-Expose-Headers \$cors_expose always;
            add_header Vary Origin always;
        }
    }
}
EOF
    } >"$dir/nginx.conf"
}
