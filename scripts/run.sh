#!/usr/bin/env bash
# Command 1: builds the page and serves it on one origin with an Assemblyline API behind it.
#   bash scripts/run.sh                    -> the project's mock Assemblyline with sample data
#   AL_URL=https://al.example.org bash scripts/run.sh
#                                          -> /api/ proxied to that real server
#   AL_INSECURE=1 (with AL_URL)            -> accept its self-signed certificate
#   PORT=9000                              -> another port (default 8080)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh
port="${PORT:-8080}"
export PATH="$HOME/.cargo/bin:$root/.tools/binaryen/node_modules/.bin:$PATH"

if [ -n "${AL_URL:-}" ]; then
  case "$AL_URL" in http://*|https://*) ;; *) echo "AL_URL must start with https:// (got: $AL_URL)" >&2; exit 2;; esac
  # The built dist/ (Content-Security-Policy applied) and /api/ forwarded to Assemblyline, on
  # one origin, by a private nginx in the foreground: the same policy header the shipped
  # configurations send, streamed downloads, long timeouts.
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  verify="on"
  [ "${AL_INSECURE:-0}" = 1 ] && verify="off"
  ca=""
  for bundle in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    [ -f "$bundle" ] && { ca="proxy_ssl_trusted_certificate $bundle;"; break; }
  done
  al="${AL_URL%/}"
  al_host="${al#*://}"; al_host="${al_host%%/*}"
  cat > "$work/nginx.conf" <<NGINX
daemon off;
pid $work/nginx.pid;
error_log stderr warn;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
  uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:$port;
    location / {
      root $root/dist;
      add_header Content-Security-Policy "$(bash "$root/scripts/csp.sh" policy); frame-ancestors 'none'" always;
    }
    location /api/ {
      proxy_pass $al/api/;
      proxy_set_header Host $al_host;
      proxy_ssl_server_name on;
      proxy_ssl_name ${al_host%%:*};
      proxy_ssl_verify $verify;
      $ca
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
      client_max_body_size 0;
    }
  }
}
NGINX
  echo "AL Collector on http://127.0.0.1:$port/ — /api/ is forwarded to $al/api/"
  echo "Leave Server URL empty and sign in with your Assemblyline user name and API key."
  "$nginx_bin" -t -q -c "$work/nginx.conf" -p "$work"
  "$nginx_bin" -c "$work/nginx.conf" -p "$work"
fi

cargo build -q -p mock-al
exec "$root/target/debug/mock-al" --dist "$root/dist" --port "$port" "$@"
