# Shared by peers.sh and sns-peers.sh (sourced, not run): loopback ports, and starting
# moto or ministack from venvs under /tmp (made on first use; nothing committed).
#   MOTO_VENV, MOTO_VERSION, MINISTACK_VENV, MINISTACK_VERSION: as the callers document.
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
    *)
      echo "unknown peer $1" >&2
      exit 2
      ;;
  esac
  PEER_PID=$!
  wait_for_port "$PORT"
}
