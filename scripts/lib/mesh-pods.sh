# Two pods for mini-proxy's scripts (scripts/bench-mini-proxy, scripts/order-mini-proxy): network
# namespaces $client (10.78.0.1) and $server (10.78.0.2) on a veth pair, credentials for both from one
# trust anchor, the cluster-state file naming them as meshed pods, and a mini-proxy in each behind
# `mini-proxy init`'s rules. Source it after common.sh, with $bin (the mini-proxy binary) and $work (a
# directory) set; the caller's cleanup deletes the namespaces (pods_down).

client=mesh-c-$$
server=mesh-s-$$
server_id=server.mesh.serviceaccount.identity.linkerd.cluster.local
in_client() { ip netns exec "$client" "$@"; }
in_server() { ip netns exec "$server" "$@"; }

# pods_up: the namespaces, the veth pair between them, loopback up in both.
pods_up() {
  ip netns add "$client"
  ip netns add "$server"
  ip link add veth0 netns "$client" type veth peer name veth0 netns "$server"
  in_client ip addr add 10.78.0.1/24 dev veth0
  in_server ip addr add 10.78.0.2/24 dev veth0
  local ns
  for ns in "$client" "$server"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set veth0 up
  done
}

pods_down() {
  ip netns del "$client" 2>/dev/null || true
  ip netns del "$server" 2>/dev/null || true
}

# nginx_conf NAME WORKERS SERVER-BLOCKS: writes $work/NAME.conf, an nginx whose pid, logs and temporary
# files stay in $work.
nginx_conf() {
  cat > "$work/$1.conf" <<NGINX
worker_processes $2;
pid $work/$1.pid;
error_log $work/$1-error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
$3
}
NGINX
}

# pods_app ADDRESS...: the app in the server pod, nginx with one worker answering every path with a fixed
# 34-byte body on each ADDRESS; stopped through $work/app.pid.
pods_app() {
  local listen="" address
  for address in "$@"; do listen+="listen $address; "; done
  nginx_conf app 1 "server { ${listen}location / { default_type text/plain; return 200 'NODE: bench-node, POD IP:10.78.0.2'; } }"
  in_server nginx -c "$work/app.conf"
}

# pods_identities: $work/client and $work/server (key, certificate, roots, owned by the proxy's UID) from
# one anchor in $work/ca, and the cluster-state file $work/cluster.yaml with both pods meshed.
pods_identities() {
  "$bin" identity issue --ca-dir "$work/ca" --service-account client --namespace mesh --out "$work/client" >&2
  "$bin" identity issue --ca-dir "$work/ca" --service-account server --namespace mesh --out "$work/server" >&2
  chown -R 2102:2102 "$work/client" "$work/server"
  cat > "$work/cluster.yaml" <<YAML
---
{apiVersion: v1, kind: Pod, metadata: {name: client, namespace: mesh}, spec: {serviceAccountName: client, containers: [{name: app, image: x}, {name: mini-proxy, image: x}]}, status: {podIP: 10.78.0.1}}
---
{apiVersion: v1, kind: Pod, metadata: {name: server, namespace: mesh}, spec: {serviceAccountName: server, containers: [{name: app, image: x}, {name: mini-proxy, image: x}]}, status: {podIP: 10.78.0.2}}
YAML
}

# pods_proxies [WRAPPER...]: init's rules in both pods (leaving alone the ports in $ignored_ports, a comma
# list, besides Linkerd's defaults), then a proxy in each as UID 2102, run through WRAPPER if given (for
# example a profiler); the two proxies' pids go to $proxy_client and $proxy_server. Waits until both are
# ready, at most $ready_limit tenths of a second (default 100).
pods_proxies() {
  local side ns pid
  for side in client server; do
    ns=$client
    [ "$side" = server ] && ns=$server
    ip netns exec "$ns" "$bin" init --inbound-ports-to-ignore "4190,4191,4567,4568${ignored_ports:+,$ignored_ports}" \
      --outbound-ports-to-ignore "4567,4568${ignored_ports:+,$ignored_ports}" >/dev/null
    ip netns exec "$ns" setpriv --reuid 2102 --regid 2102 --clear-groups -- "$@" "$bin" run \
      --from-file "$work/cluster.yaml" --identity-dir "$work/$side" --log warn > "$work/proxy-$side.log" 2>&1 &
    pid=$!
    if [ "$side" = client ]; then proxy_client=$pid; else proxy_server=$pid; fi
  done
  for _ in $(seq 1 "${ready_limit:-100}"); do
    [ "$(in_client curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4191/ready)" = 200 ] &&
      [ "$(in_server curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4191/ready)" = 200 ] && return 0
    sleep 0.1
  done
  echo "the proxies were not ready; their logs:" >&2
  cat "$work/proxy-client.log" "$work/proxy-server.log" >&2
  return 1
}

# pods_carry_mtls: fails unless the server's proxy has counted a request from the client's identity.
pods_carry_mtls() {
  grep -q 'tls="true",client_id="client.mesh' <<<"$(in_server curl -s http://127.0.0.1:4191/metrics)" ||
    { echo "mini-proxy is not carrying mTLS" >&2; return 1; }
}

# pods_nginx_pair APP: the same hop as a pair of nginx (one worker each, keep-alive upstreams): A in the
# client pod listens on 127.0.0.1:10001 and originates mutual TLS with the client's credentials to B in
# the server pod (10.78.0.2:10443), which verifies it and passes requests to APP. Needs pods_identities;
# stopped through $work/nginx-a.pid and $work/nginx-b.pid. Tell pods_proxies to leave port 10443 alone.
pods_nginx_pair() {
  nginx_conf nginx-b 1 "
upstream app { server $1; keepalive 256; }
server {
  listen 10.78.0.2:10443 ssl; ssl_protocols TLSv1.3;
  ssl_certificate $work/server/tls.crt; ssl_certificate_key $work/server/tls.key;
  ssl_verify_client on; ssl_client_certificate $work/ca/ca.crt;
  location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
}"
  nginx_conf nginx-a 1 "
upstream peer { server 10.78.0.2:10443; keepalive 256; }
server {
  listen 127.0.0.1:10001;
  location / {
    proxy_pass https://peer; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_ssl_protocols TLSv1.3; proxy_ssl_session_reuse on;
    proxy_ssl_certificate $work/client/tls.crt; proxy_ssl_certificate_key $work/client/tls.key;
    proxy_ssl_trusted_certificate $work/ca/ca.crt; proxy_ssl_verify on;
    proxy_ssl_server_name on; proxy_ssl_name $server_id;
  }
}"
  in_server nginx -c "$work/nginx-b.conf"
  in_client nginx -c "$work/nginx-a.conf"
}
