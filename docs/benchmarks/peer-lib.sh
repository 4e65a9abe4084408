# Shared by peers.sh, sns-peers.sh and kinesis-peers.sh (sourced, not run): loopback
# ports, and starting moto or ministack from venvs under /tmp, or kinesalite or
# kinesis-mock from npm installs under /tmp (made on first use; nothing committed).
#   MOTO_VENV, MOTO_VERSION, MINISTACK_VENV, MINISTACK_VERSION: as the callers document.
#   KINESALITE_DIR (default /tmp/kinesalite-npm), KINESALITE_VERSION (default 3.3.3):
#     where kinesalite is installed with npm, and which version.
#   KINESIS_MOCK_DIR (default /tmp/kinesis-mock-npm), KINESIS_MOCK_VERSION (default
#     0.6.2): the same for etspaceman's kinesis-mock, published on npm as kinesis-local
#     (a Scala.js bundle run with node).
#   PEER_LOG_DIR: where a peer's log goes (default ${TMPDIR:-/tmp}).

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "nothing listening on 127.0.0.1:$1" >&2
  return 1
}

# Starts the named peer on a free loopback port; sets PORT and PEER_PID.
start_peer() {
  PORT="$(free_port)"
  local logs="${PEER_LOG_DIR:-${TMPDIR:-/tmp}}"
  case "$1" in
    moto)
      if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
        python3 -m venv "$MOTO_VENV"
        timeout 600 "$MOTO_VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION"
      fi
      "$MOTO_VENV/bin/pip" show moto | grep -E '^(Name|Version):'
      "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$logs/moto-$PORT.log" 2>&1 &
      ;;
    ministack)
      if [ ! -x "$MINISTACK_VENV/bin/ministack" ]; then
        python3 -m venv "$MINISTACK_VENV"
        timeout 600 "$MINISTACK_VENV/bin/pip" install -q "ministack==$MINISTACK_VERSION"
      fi
      "$MINISTACK_VENV/bin/pip" show ministack | grep -E '^(Name|Version):'
      # One ASGI app (hypercorn) serving every emulated service on GATEWAY_PORT.
      GATEWAY_PORT="$PORT" BIND_HOST=127.0.0.1 "$MINISTACK_VENV/bin/ministack" \
        >"$logs/ministack-$PORT.log" 2>&1 &
      ;;
    kinesalite)
      local kl_dir="${KINESALITE_DIR:-/tmp/kinesalite-npm}"
      if [ ! -x "$kl_dir/node_modules/.bin/kinesalite" ]; then
        mkdir -p "$kl_dir"
        (cd "$kl_dir" && timeout 600 npm install --no-audit --no-fund \
          "kinesalite@${KINESALITE_VERSION:-3.3.3}")
      fi
      echo "kinesalite $(node -p "require('$kl_dir/node_modules/kinesalite/package.json').version")"
      # In memory (no --path); streams are ACTIVE (or gone) at once.
      "$kl_dir/node_modules/.bin/kinesalite" --port "$PORT" \
        --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 \
        >"$logs/kinesalite-$PORT.log" 2>&1 &
      ;;
    kinesis-mock)
      local km_dir="${KINESIS_MOCK_DIR:-/tmp/kinesis-mock-npm}"
      local km_pkg="$km_dir/node_modules/kinesis-local"
      if [ ! -f "$km_pkg/main.js" ]; then
        mkdir -p "$km_dir"
        (cd "$km_dir" && timeout 600 npm install --no-audit --no-fund \
          "kinesis-local@${KINESIS_MOCK_VERSION:-0.6.2}")
      fi
      echo "kinesis-mock (npm kinesis-local) $(node -p "require('$km_pkg/package.json').version")"
      # In memory (no persistence); no CREATING/DELETING delays. It wants its TLS
      # certificate file even though only the plain port is used here.
      KINESIS_MOCK_PLAIN_PORT="$PORT" KINESIS_MOCK_TLS_PORT="$(free_port)" \
        KINESIS_MOCK_CERT_PATH="$km_pkg/server.json" \
        CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms \
        REGISTER_STREAM_CONSUMER_DURATION=0ms DEREGISTER_STREAM_CONSUMER_DURATION=0ms \
        LOG_LEVEL=WARN node "$km_pkg/main.js" >"$logs/kinesis-mock-$PORT.log" 2>&1 &
      ;;
    *)
      echo "unknown peer $1" >&2
      exit 2
      ;;
  esac
  PEER_PID=$!
  wait_for_port "$PORT"
}
