# Helpers for the t051N publish tests (sourced after lib.sh and report-lib.sh).

# publish_setup: an instance with a finished real flight of trunk (a failed
# step, logs) and an artifact (a "signed package" and its signature); sets F.
publish_setup() {
	init_instance
	no_retries
	write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
	fail c
	F=$(real_flight "$TEST_DIR/r.json" 1)
	mkdir -p "$PVCI_HOME/artifacts/$F/build"
	head -c 300000 /dev/urandom >"$PVCI_HOME/artifacts/$F/build/pvcifix.tar"
	echo signature >"$PVCI_HOME/artifacts/$F/build/pvcifix.tar.p7s"
}

# set_config KEY JSONVALUE
set_config() {
	jq ".$1 = $2" "$PVCI_HOME/config.json" >"$PVCI_HOME/config.json.new" &&
		mv "$PVCI_HOME/config.json.new" "$PVCI_HOME/config.json"
}

# published_count LINE: "U K" from "publish: flight N: U uploaded, K unchanged ..."
published_count() {
	sed -n 's/^publish: flight [0-9]*: \([0-9]*\) uploaded, \([0-9]*\) unchanged.*/\1 \2/p' <<<"$1"
}

# hashes DIR: "sha256  path" of every file under DIR, sorted (the manifest left out).
hashes() {
	(cd "$1" && find . -type f ! -name .pvci-manifest ! -name .pvci-staging ! -name '*.pvci-tmp' -printf '%P\n' |
		LC_ALL=C sort | xargs -r -d '\n' sha256sum)
}

# db_digest: the flight's results, to show a publish changed nothing.
db_digest() {
	sqlite3 "$PVCI_HOME/results.db" .dump | sha256sum
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_dav: nginx with WebDAV (PUT, MKCOL) over TLS on a free loopback
# port, basic auth user "pub" with password $DAV_PASSWORD, serving
# $TEST_DIR/dav; a read-only /ro/. Sets DAV_URL (https://127.0.0.1:PORT)
# and DAV_CA; stopped by pid at exit.
DAV_PASSWORD=Dav-pw-$RANDOM$RANDOM
start_dav() {
	local d="$TEST_DIR/nginx" port i
	mkdir -p "$d/tmp" "$TEST_DIR/dav/ro"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	echo "pub:$(openssl passwd -apr1 "$DAV_PASSWORD")" >"$d/htpasswd"
	port=$(free_port)
	cat >"$d/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
daemon off;
master_process off;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp;
	scgi_temp_path $d/tmp;
	client_max_body_size 100m;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $d/cert.pem;
		ssl_certificate_key $d/key.pem;
		root $TEST_DIR/dav;
		auth_basic pvci;
		auth_basic_user_file $d/htpasswd;
		location / {
			dav_methods PUT DELETE MKCOL;
			dav_access user:rw group:r all:r;
		}
		location /ro/ { }
	}
}
CONF
	nginx -c "$d/nginx.conf" -p "$d" &
	DAV_PID=$!
	at_exit "kill $DAV_PID 2>/dev/null"
	DAV_URL="https://127.0.0.1:$port"
	DAV_CA="$d/cert.pem"
	for i in $(seq 100); do
		curl -s -o /dev/null --cacert "$DAV_CA" "$DAV_URL/" && return 0
		process_gone "$DAV_PID" && break
		sleep 0.1
	done
	echo "# nginx did not start: $(cat "$d/error.log")"
	return 1
}

# start_sshd: sshd on a free loopback port with its own host key (ECDSA:
# libssh2 1.10 knows no rsa-sha2), accepting a key the test makes for the
# current user; sets SSH_PORT, SSH_KEY (the private key, PEM) and
# SSH_KNOWN (a known_hosts file). Stopped by pid at exit.
start_sshd() {
	local d="$TEST_DIR/sshd" i
	mkdir -p "$d" /run/sshd
	ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f "$d/host_key"
	ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f "$d/client_key"
	cp "$d/client_key.pub" "$d/authorized_keys"
	SSH_PORT=$(free_port)
	cat >"$d/sshd_config" <<CONF
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel VERBOSE
CONF
	/usr/sbin/sshd -D -e -f "$d/sshd_config" -p "$SSH_PORT" 2>"$d/sshd.log" &
	SSHD_PID=$!
	at_exit "kill $SSHD_PID 2>/dev/null"
	SSH_KEY="$d/client_key"
	SSH_KNOWN="$d/known_hosts"
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$d/host_key.pub")" >"$SSH_KNOWN"
	for i in $(seq 100); do
		grep -q "Server listening" "$d/sshd.log" && return 0
		process_gone "$SSHD_PID" && break
		sleep 0.1
	done
	echo "# sshd did not start: $(cat "$d/sshd.log")"
	return 1
}
