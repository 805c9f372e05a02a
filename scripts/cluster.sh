#!/usr/bin/env bash
# A private 2-shard ClickHouse cluster for testing the cluster variant of sql/migrations (see
# sql/README.md, "Cluster variant"): one ZooKeeper (Debian's) and two test servers (the same
# chdb-core clickhouse-local server as scripts/clickhouse.sh), shard 1 and shard 2 with one
# replica each, all on 127.0.0.1.
#
#   scripts/cluster.sh start DIR   install what is missing, start ZooKeeper and both nodes with
#                                  their data in DIR/zk, DIR/node1, DIR/node2; prints the two
#                                  HTTP URLs (node 1, node 2), one per line
#   scripts/cluster.sh urls DIR    print the two HTTP URLs of a running cluster
#   scripts/cluster.sh stop DIR    stop both nodes and ZooKeeper (SIGTERM by pid, then SIGKILL)
#
# Each node's config.xml (written by clickhouse_launcher.py from DIR/nodeN/cluster.xml) has its
# ports, <zookeeper>, <macros> (shard N, replica nodeN, cluster seqch), <remote_servers> with a
# cluster `seqch` of two shards (the nodes' native TCP ports) and
# <background_distributed_schedule_pool_size>2 (without it rows inserted into a Distributed table
# never leave its queue). What this server cannot do (no interserver endpoint, no DDL worker:
# Replicated* tables stay read-only, ON CLUSTER is refused) is described in sql/README.md.
#
# Installs, when missing: libzookeeper-java (/usr/share/java/zookeeper.jar; what Debian's
# `zookeeper` package runs), libslf4j-java (slf4j-simple.jar), default-jre-headless (java), and
# chdb-core through scripts/clickhouse.sh install. Start timeout: $SEQCH_CLUSTER_START_TIMEOUT
# seconds (default 90) for ZooKeeper and for the nodes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SEQCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seqch}
chdb_version=$(sed -n 's/^CHDB_VERSION=//p' "$here/clickhouse.sh")
python=$cache/chdb-$chdb_version/bin/python
timeout=${SEQCH_CLUSTER_START_TIMEOUT:-90}
zk_jars=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar

die() { echo "cluster.sh: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

install_zookeeper() {
  local pkgs=()
  [ -f /usr/share/java/zookeeper.jar ] || pkgs+=(libzookeeper-java)
  [ -f /usr/share/java/slf4j-simple.jar ] || pkgs+=(libslf4j-java)
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  [ ${#pkgs[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}: run as root: apt-get install -y ${pkgs[*]}"
  echo "cluster.sh: installing ${pkgs[*]}" >&2
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2 \
    || die "apt-get install ${pkgs[*]} failed"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the processes whose pids are in the files given (SIGTERM to all, then SIGKILL to those
# still alive after 5 s) and removes the files.
stop_pids() {
  local file pids=()
  for file in "$@"; do
    [ -f "$file" ] || continue
    pids+=("$(cat "$file")")
    kill -TERM "${pids[-1]}" 2>/dev/null || true
  done
  local pid
  for _ in $(seq 50); do
    local left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$@"
}

url_of() {
  [ -f "$1/ports" ] || die "no ports file in $1 (cluster not started?)"
  echo "http://127.0.0.1:$(sed -n 1p "$1/ports")"
}

urls() {
  url_of "$1/node1"
  url_of "$1/node2"
}

zk_ok() {
  [ "$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf ruok >&3 && cat <&3" 2>/dev/null)" = imok ]
}

fail() {
  local dir=$1 what=$2 log=$3
  echo "cluster.sh: $what; tail of $log:" >&2
  tail -n 30 "$log" >&2 || true
  stop "$dir"
  exit 1
}

start_zookeeper() {
  local dir=$1 zk=$1/zk
  mkdir -p "$zk/data"
  local port; port=$(free_port)
  cat >"$zk/zoo.cfg" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$zk/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,mntr
EOF
  echo "$port" >"$zk/port"
  nohup java -Xms32m -Xmx256m -XX:+UseSerialGC -Dzookeeper.log.dir="$zk" \
    -cp "$zk_jars" org.apache.zookeeper.server.ZooKeeperServerMain "$zk/zoo.cfg" \
    >"$zk/zookeeper.log" 2>&1 </dev/null &
  echo $! >"$zk/pid"
  local deadline=$((SECONDS + timeout))
  until zk_ok "$port"; do
    alive "$zk/pid" || fail "$dir" "ZooKeeper exited during start" "$zk/zookeeper.log"
    [ $SECONDS -lt $deadline ] || fail "$dir" "ZooKeeper did not answer ruok within ${timeout}s" "$zk/zookeeper.log"
    sleep 0.2
  done
}

# Writes DIR/nodeN/cluster.xml, the config merged into each node's config.xml.
write_node_configs() {
  local dir=$1 zk_port; zk_port=$(cat "$1/zk/port")
  local h1 t1 h2 t2
  h1=$(free_port); t1=$(free_port); h2=$(free_port); t2=$(free_port)
  local n http tcp
  for n in 1 2; do
    if [ $n = 1 ]; then http=$h1 tcp=$t1; else http=$h2 tcp=$t2; fi
    mkdir -p "$dir/node$n"
    cat >"$dir/node$n/cluster.xml" <<EOF
<http_port>$http</http_port>
<tcp_port>$tcp</tcp_port>
<background_distributed_schedule_pool_size>2</background_distributed_schedule_pool_size>
<zookeeper>
  <node><host>127.0.0.1</host><port>$zk_port</port></node>
  <session_timeout_ms>30000</session_timeout_ms>
</zookeeper>
<macros>
  <shard>$n</shard>
  <replica>node$n</replica>
  <cluster>seqch</cluster>
</macros>
<remote_servers>
  <seqch>
    <shard>
      <internal_replication>true</internal_replication>
      <replica><host>127.0.0.1</host><port>$t1</port></replica>
    </shard>
    <shard>
      <internal_replication>true</internal_replication>
      <replica><host>127.0.0.1</host><port>$t2</port></replica>
    </shard>
  </seqch>
</remote_servers>
EOF
  done
}

start_node() {
  local run=$1
  rm -f "$run/ports"
  nohup "$python" "$here/clickhouse_launcher.py" "$run" "$run/cluster.xml" \
    >"$run/server.log" 2>&1 </dev/null &
  echo $! >"$run/pid"
}

# Waits until node $2 answers and shows the cluster config (2 shards of `seqch`, its shard macro).
wait_node() {
  local dir=$1 n=$2 run=$1/node$2
  local deadline=$((SECONDS + timeout)) q
  q="SELECT toString(count()) || ' ' || getMacro('shard') FROM system.clusters WHERE cluster = 'seqch'"
  while :; do
    if [ -f "$run/ports" ]; then
      local got
      got=$(curl -fsS --max-time 2 "$(url_of "$run")/" --data-binary "$q" 2>/dev/null || true)
      if [ "$got" = "2 $n" ]; then return; fi
      if [ -n "$got" ]; then fail "$dir" "node$n answers but its cluster config is wrong ('$got')" "$run/config.xml"; fi
    fi
    alive "$run/pid" || fail "$dir" "node$n exited during start" "$run/server.log"
    [ $SECONDS -lt $deadline ] || fail "$dir" "node$n gave no answer within ${timeout}s" "$run/server.log"
    sleep 0.2
  done
}

start() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if alive "$dir/zk/pid" && alive "$dir/node1/pid" && alive "$dir/node2/pid"; then
    urls "$dir"; return
  fi
  stop "$dir"
  install_zookeeper
  "$here/clickhouse.sh" install
  start_zookeeper "$dir"
  write_node_configs "$dir"
  start_node "$dir/node1"
  start_node "$dir/node2"
  wait_node "$dir" 1
  wait_node "$dir" 2
  urls "$dir"
}

stop() {
  local dir=$1
  stop_pids "$dir/node1/pid" "$dir/node2/pid"
  stop_pids "$dir/zk/pid"
}

[ $# -eq 2 ] || die "usage: $0 start DIR | stop DIR | urls DIR"
case "$1" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  urls) urls "$2" ;;
  *) die "usage: $0 start DIR | stop DIR | urls DIR" ;;
esac
