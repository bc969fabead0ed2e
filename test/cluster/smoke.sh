#!/usr/bin/env bash
# Smoke test for the binaries built by build-tools.sh: a real control plane on
# loopback (etcd + kube-apiserver + kube-controller-manager + kube-scheduler,
# no kubelet), then a few kubectl calls. Stops everything it started.
#
# Usage: test/cluster/smoke.sh            (KEEP=1 keeps the temp dir for logs)
# Env:   ETCD_CLIENT_PORT (12379) ETCD_PEER_PORT (12380) APISERVER_PORT (6443)
#        SMOKE_CONTROLLERS=0 to start only etcd + kube-apiserver.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ETCD_CLIENT_PORT="${ETCD_CLIENT_PORT:-12379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-12380}"
APISERVER_PORT="${APISERVER_PORT:-6443}"
SMOKE_CONTROLLERS="${SMOKE_CONTROLLERS:-1}"

declare -A bin
while IFS='=' read -r k v; do bin[$k]=$v; done < <("$here/build-tools.sh" --paths kubernetes etcd)
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [[ -x "${bin[$b]}" ]] || { echo "smoke: ${bin[$b]} missing; run test/cluster/build-tools.sh first" >&2; exit 1; }
done

work="$(mktemp -d /tmp/platform-gen-smoke.XXXXXX)"
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ $rc -ne 0 ]]; then
    echo "smoke: FAILED (exit $rc); last log lines:" >&2
    for f in "$work"/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  fi
  if [[ "${KEEP:-0}" == 1 ]]; then echo "smoke: kept $work" >&2; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT

say() { printf '[smoke] %s\n' "$*" >&2; }

# --- credentials -----------------------------------------------------------
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
admin_token="$(openssl rand -hex 16)"
kcm_token="$(openssl rand -hex 16)"
sched_token="$(openssl rand -hex 16)"
# token,user,uid,"group1,group2"
cat > "$work/tokens.csv" <<EOF
$admin_token,admin,uid-admin,"system:masters"
$kcm_token,system:kube-controller-manager,uid-kcm
$sched_token,system:kube-scheduler,uid-sched
EOF
server="https://127.0.0.1:$APISERVER_PORT"
mkkubeconfig() { # file token
  local kc=(--kubeconfig "$1")
  "${bin[kubectl]}" config set-cluster local --server "$server" --insecure-skip-tls-verify=true "${kc[@]}" >/dev/null
  "${bin[kubectl]}" config set-credentials user --token "$2" "${kc[@]}" >/dev/null
  "${bin[kubectl]}" config set-context local --cluster local --user user "${kc[@]}" >/dev/null
  "${bin[kubectl]}" config use-context local "${kc[@]}" >/dev/null
}
mkkubeconfig "$work/admin.kubeconfig" "$admin_token"
mkkubeconfig "$work/kcm.kubeconfig" "$kcm_token"
mkkubeconfig "$work/sched.kubeconfig" "$sched_token"
kubectl() { "${bin[kubectl]}" --kubeconfig "$work/admin.kubeconfig" "$@"; }

# --- etcd ------------------------------------------------------------------
say "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
"${bin[etcd]}" \
  --name smoke \
  --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "smoke=http://127.0.0.1:$ETCD_PEER_PORT" \
  --listen-metrics-urls "" \
  --log-level warn \
  > "$work/etcd.log" 2>&1 &
pids+=($!)
for i in $(seq 1 60); do
  "${bin[etcdctl]}" --endpoints "127.0.0.1:$ETCD_CLIENT_PORT" endpoint health >/dev/null 2>&1 && break
  (( i < 60 )) || { say "etcd not healthy after 30s"; exit 1; }
  sleep 0.5
done
say "etcd healthy"

# --- kube-apiserver ----------------------------------------------------------
say "starting kube-apiserver on $server"
t0=$EPOCHREALTIME
"${bin[kube-apiserver]}" \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 \
  --secure-port "$APISERVER_PORT" \
  --cert-dir "$work/pki" \
  --token-auth-file "$work/tokens.csv" \
  --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction,PodSecurity \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$work/sa.pub" \
  --service-account-signing-key-file "$work/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --allow-privileged=true \
  > "$work/kube-apiserver.log" 2>&1 &
pids+=($!)
for i in $(seq 1 120); do
  kubectl get --raw /readyz >/dev/null 2>&1 && break
  (( i < 120 )) || { say "kube-apiserver not ready after 60s"; exit 1; }
  sleep 0.5
done
say "kube-apiserver ready in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"

if [[ "$SMOKE_CONTROLLERS" == 1 ]]; then
  say "starting kube-controller-manager and kube-scheduler"
  "${bin[kube-controller-manager]}" \
    --kubeconfig "$work/kcm.kubeconfig" \
    --authentication-kubeconfig "$work/kcm.kubeconfig" \
    --authorization-kubeconfig "$work/kcm.kubeconfig" \
    --bind-address 127.0.0.1 \
    --secure-port 0 \
    --service-account-private-key-file "$work/sa.key" \
    --root-ca-file "$work/pki/apiserver.crt" \
    --use-service-account-credentials=true \
    --service-cluster-ip-range 10.96.0.0/16 \
    --leader-elect=false \
    > "$work/kube-controller-manager.log" 2>&1 &
  pids+=($!)
  "${bin[kube-scheduler]}" \
    --kubeconfig "$work/sched.kubeconfig" \
    --authentication-kubeconfig "$work/sched.kubeconfig" \
    --authorization-kubeconfig "$work/sched.kubeconfig" \
    --bind-address 127.0.0.1 \
    --secure-port "${SCHEDULER_PORT:-10259}" \
    --cert-dir "$work/pki-scheduler" \
    --leader-elect=false \
    -v=2 \
    > "$work/kube-scheduler.log" 2>&1 &
  pids+=($!)
fi

# --- checks ------------------------------------------------------------------
say "kubectl version"; kubectl version
say "kubectl get ns"; kubectl get ns
say "kubectl api-resources | head"; { kubectl api-resources 2>&1 || true; } | head -n 12
kubectl get ns default >/dev/null
kubectl create namespace smoke >/dev/null
kubectl label namespace smoke pod-security.kubernetes.io/enforce=restricted >/dev/null
if [[ "$SMOKE_CONTROLLERS" == 1 ]]; then
  # The controller-manager's service-account controller creates 'default' SAs,
  # and the root-CA publisher creates kube-root-ca.crt.
  for i in $(seq 1 60); do
    kubectl -n smoke get serviceaccount default >/dev/null 2>&1 &&
      kubectl -n smoke get configmap kube-root-ca.crt >/dev/null 2>&1 && break
    (( i < 60 )) || { say "controller-manager did not create default SA / kube-root-ca.crt in 30s"; exit 1; }
    sleep 0.5
  done
  say "controller-manager created smoke/default SA and kube-root-ca.crt: ok"
else
  kubectl -n smoke create serviceaccount default >/dev/null
fi
# PodSecurity admission must reject a privileged pod in a restricted namespace.
if kubectl -n smoke run priv --image=busybox --privileged --restart=Never >"$work/psa.out" 2>&1; then
  say "PodSecurity did NOT reject a privileged pod"; exit 1
fi
grep -q 'violates PodSecurity' "$work/psa.out" || { cat "$work/psa.out" >&2; exit 1; }
say "PodSecurity admission rejects privileged pod in restricted namespace: ok"
if [[ "$SMOKE_CONTROLLERS" == 1 ]]; then
  # Deployment -> ReplicaSet -> Pod (Pending: no nodes, which the scheduler reports).
  kubectl -n default create deployment web --image=registry.k8s.io/pause:3.10 >/dev/null
  for i in $(seq 1 60); do
    [[ -n "$(kubectl -n default get pods -l app=web -o name 2>/dev/null)" ]] && break
    (( i < 60 )) || { say "deployment controller made no pod in 30s"; exit 1; }
    sleep 0.5
  done
  for i in $(seq 1 60); do
    kubectl -n default get events --field-selector reason=FailedScheduling -o name 2>/dev/null | grep -q . && break
    (( i < 60 )) || { say "scheduler reported no FailedScheduling event in 30s"; exit 1; }
    sleep 0.5
  done
  say "deployment -> pod created, scheduler reports FailedScheduling (no nodes): ok"
fi
say "PASS"
