# Labdeck experiments: every step of creating, using, archiving and restoring an experiment on a
# host, as one POSIX sh script run as root (`sh -c SCRIPT labdeck STEP ARG...`, through `sudo -n`
# when the login is not root). Every value arrives as an argument or on stdin, never inside the
# script; names were checked against strict patterns by the app. Each step is idempotent: run again,
# it finds what is there and finishes the rest. SQL reaches psql only as a fixed script whose values
# are psql variables (:"ident" and :'literal' quote them).
set -eu
umask 077
cd /

say() { printf '%s\n' "$*"; }
die() { printf 'labdeck: %s\n' "$*" >&2; exit 3; }
step=${1:-}
[ $# -gt 0 ] && shift

GROUP=experiments
SKEL=/etc/labdeck/experiment-skel

need_tools() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "$t is missing on this host. Run Bootstrap with the experiments and postgresql roles on it first."
  done
}

# An experiment user is one of ours: in the experiments group, with the expected home.
is_ours() { # USER HOME
  id "$1" >/dev/null 2>&1 || return 1
  case " $(id -nG "$1") " in *" $GROUP "*) ;; *) return 1 ;; esac
  [ "$(getent passwd "$1" | cut -d: -f6)" = "$2" ]
}

as_user() { # USER CMD...
  u=$1; shift
  runuser -u "$u" -- env HOME="$(getent passwd "$u" | cut -d: -f6)" USER="$u" LOGNAME="$u" "$@"
}

psql_admin() { # psql as postgres on the local server; the SQL comes on stdin
  runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 -d postgres "$@"
}

pg_ready() {
  command -v psql >/dev/null 2>&1 || die "PostgreSQL is not installed here. Run Bootstrap with the postgresql role on this host first."
  id postgres >/dev/null 2>&1 || die "PostgreSQL's server is not installed here (no postgres user). Run Bootstrap with the postgresql role on this host first."
  i=0
  until runuser -u postgres -- psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 20 ]; then
      die "PostgreSQL does not answer on this host. Start it (systemctl start postgresql) and try again."
    fi
    sleep 0.5
  done
}

case "$step" in
check)
  # What creating experiments needs; one line per fact.
  fact() { k=$1; shift; if "$@" >/dev/null 2>&1; then say "$k=1"; else say "$k=0"; fi; }
  fact group getent group "$GROUP"
  fact skel test -d "$SKEL"
  fact git command -v git
  fact psql command -v psql
  fact pgserver id postgres
  fact systemd test -d /run/systemd/system
  fact venv python3 -c 'import venv, ensurepip'
  ;;

user) # USER HOME ROOT NAME DESCRIPTION DATABASE
  user=$1 home=$2 root=$3 name=$4 description=$5 database=$6
  getent group "$GROUP" >/dev/null || die "there is no '$GROUP' group. Run Bootstrap with the experiments role on this host first."
  [ -d "$SKEL" ] || die "the experiment skeleton ($SKEL) is missing. Run Bootstrap with the experiments role on this host first."
  mkdir -p "$root"
  if id "$user" >/dev/null 2>&1; then
    is_ours "$user" "$home" || die "a user named $user already exists and is not this experiment (not in the $GROUP group, or its home is not $home). Pick another name."
    say "user $user is there"
  else
    useradd --create-home --home-dir "$home" --skel "$SKEL" --shell /bin/bash \
      --gid "$GROUP" --comment "Labdeck experiment $name" "$user"
    say "created user $user (uid $(id -u "$user"))"
  fi
  chmod 0750 "$home"
  mkdir -p "$home/.labdeck"
  # The login message names the experiment, its database and its repository.
  {
    printf '\n  Labdeck experiment %s\n' "$name"
    if [ -n "$description" ]; then printf '  %s\n' "$description"; fi
    printf '  database: %s (DATABASE_URL is set)   code: ~/code (git push to ~/repo.git)\n\n' "$database"
  } > "$home/.labdeck/login-message"
  printf '%s\n' "$name" > "$home/.labdeck/experiment"
  if [ ! -e "$home/README" ]; then
    printf 'Labdeck experiment %s\n\n%s\n\nDatabase: %s (psql with no arguments connects; DATABASE_URL is set).\nCode: ~/code, a clone of ~/repo.git.\nEnvironment and secrets: ~/.labdeck/env (written by Labdeck; rewrite them from the app).\n' \
      "$name" "$description" "$database" > "$home/README"
  fi
  chown -R "$user:$GROUP" "$home"
  chmod 0644 "$home/.labdeck/login-message" "$home/README"
  ;;

database) # USER DATABASE HOME   (stdin: the role's password)
  user=$1 database=$2 home=$3
  IFS= read -r LABDECK_PW || true
  [ -n "$LABDECK_PW" ] || die "no password given for the database role"
  export LABDECK_PW
  pg_ready
  psql_admin -v role="$user" -v db="$database" <<'SQL'
\getenv pw LABDECK_PW
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS need_role \gset
\if :need_role
CREATE ROLE :"role" LOGIN;
\endif
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'pw';
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') AS need_db \gset
\if :need_db
CREATE DATABASE :"db" OWNER :"role";
\endif
ALTER DATABASE :"db" OWNER TO :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
  # ~/.pgpass: psql and libpq find the password without it being typed or in the environment.
  printf 'localhost:5432:%s:%s:%s\n127.0.0.1:5432:%s:%s:%s\n' \
    "$database" "$user" "$LABDECK_PW" "$database" "$user" "$LABDECK_PW" > "$home/.pgpass"
  chown "$user" "$home/.pgpass"
  chmod 0600 "$home/.pgpass"
  say "role $user owns database $database"
  ;;

repo) # USER HOME NAME DESCRIPTION [REMOTE]   (stdin with REMOTE: its git-credentials line)
  user=$1 home=$2 name=$3 description=$4 remote=${5:-}
  need_tools git
  work="$home/code"
  if [ -n "$remote" ]; then
    # A repository on Gitea: the experiment's own Gitea user and token, in its 0600 credential store.
    cat > "$home/.git-credentials"
    chown "$user:$GROUP" "$home/.git-credentials"
    chmod 0600 "$home/.git-credentials"
    as_user "$user" git config --global credential.helper store
    origin=$remote
  else
    origin="$home/repo.git"
    if [ ! -d "$origin" ]; then
      as_user "$user" git init -q --bare -b main "$origin"
      say "made a bare repository $origin"
    fi
  fi
  if [ ! -d "$work/.git" ]; then
    as_user "$user" git clone -q "$origin" "$work" 2>/dev/null
    say "cloned it into $work"
  fi
  as_user "$user" git -C "$work" remote set-url origin "$origin"
  as_user "$user" git -C "$work" config user.name "$user"
  as_user "$user" git -C "$work" config user.email "$user@$(hostname)"
  # A repository restored from an archive moves to the remote, then its local copy goes.
  if [ -n "$remote" ] && [ -d "$home/repo.git" ]; then
    as_user "$user" git -C "$home/repo.git" push -q --all "$remote"
    as_user "$user" git -C "$home/repo.git" push -q --tags "$remote"
    rm -rf -- "$home/repo.git"
    as_user "$user" git -C "$work" fetch -q origin
    say "pushed the restored repository to $remote"
  fi
  if ! as_user "$user" git -C "$work" ls-remote --exit-code origin refs/heads/main >/dev/null 2>&1; then
    if [ ! -e "$work/README.md" ]; then
      printf '# %s\n\n%s\n' "$name" "$description" > "$work/README.md"
      chown "$user:$GROUP" "$work/README.md"
    fi
    as_user "$user" git -C "$work" checkout -q -B main
    as_user "$user" git -C "$work" add README.md
    as_user "$user" git -C "$work" commit -q -m "Start experiment $name" || true
    as_user "$user" git -C "$work" push -q -u origin main
    say "first commit pushed to main"
  fi
  say "$work pushes to $origin"
  ;;

environment) # USER HOME TEMPLATE [PACKAGE...]   (stdin: the env file)
  user=$1 home=$2 template=$3
  shift 3
  mkdir -p "$home/.labdeck"
  tmp="$home/.labdeck/env.new"
  cat > "$tmp"
  chown "$user:$GROUP" "$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$home/.labdeck/env"
  say "wrote ~/.labdeck/env (0600)"
  if [ "$template" = python ]; then
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || die "python3-venv is missing on this host. Run Bootstrap with the python role on it first."
    if [ ! -x "$home/.venv/bin/python" ]; then
      as_user "$user" python3 -m venv "$home/.venv"
      say "made ~/.venv"
    fi
    if [ $# -gt 0 ]; then
      as_user "$user" "$home/.venv/bin/pip" install --disable-pip-version-check -q "$@"
      say "installed $* into ~/.venv"
    fi
  fi
  ;;

limits) # USER MEMORY_MIB CPU_WEIGHT   ("-" = none)
  user=$1 mem=$2 cpu=$3
  if [ ! -d /run/systemd/system ]; then
    if [ "$mem" = - ] && [ "$cpu" = - ]; then say "no limits asked"; exit 0; fi
    die "systemd does not run on this host, so its user slices cannot hold limits. Leave the limits empty."
  fi
  uid=$(id -u "$user")
  dir="/etc/systemd/system/user-$uid.slice.d"
  if [ "$mem" = - ] && [ "$cpu" = - ]; then
    rm -f "$dir/50-labdeck.conf"
    say "no limits"
  else
    mkdir -p "$dir"
    {
      printf '# Written by Labdeck for experiment user %s\n[Slice]\n' "$user"
      if [ "$mem" != - ]; then printf 'MemoryMax=%sM\n' "$mem"; fi
      if [ "$cpu" != - ]; then printf 'CPUWeight=%s\n' "$cpu"; fi
    } > "$dir/50-labdeck.conf"
    chmod 0644 "$dir/50-labdeck.conf"
    say "user-$uid.slice: memory $mem MiB, CPU weight $cpu"
  fi
  systemctl daemon-reload
  ;;

status) # then triples: USER DATABASE HOME
  while [ $# -ge 3 ]; do
    user=$1 database=$2 home=$3
    shift 3
    if ! id "$user" >/dev/null 2>&1; then say "$user exists 0"; continue; fi
    say "$user exists 1"
    last=$(lastlog -u "$user" 2>/dev/null | sed -n '2p' | sed 's/  */ /g') || last=
    say "$user lastlog $last"
    # su and sudo leave no lastlog entry: the shell history's last write tells of activity too.
    say "$user history $(stat -c %Y "$home/.bash_history" 2>/dev/null)"
    hb=$(du -sb "$home" 2>/dev/null | cut -f1) || hb=
    say "$user home_bytes $hb"
    if command -v psql >/dev/null 2>&1 && id postgres >/dev/null 2>&1; then
      db=$(psql_admin -v db="$database" 2>/dev/null <<'SQL'
SELECT pg_database_size(datname) FROM pg_database WHERE datname = :'db';
SQL
) || db=
      say "$user db_bytes $db"
    fi
    ps -u "$user" -o pcpu=,rss= 2>/dev/null |
      awk -v u="$user" '{ n++; c += $1; r += $2 } END { printf "%s procs %d %.1f %d\n", u, n, c, r * 1024 }'
  done
  ;;

dump) # USER DATABASE HOME STAGE OWNER INCLUDE_HOME(0|1)
  user=$1 database=$2 home=$3 stage=$4 owner=$5 with_home=$6
  is_ours "$user" "$home" || die "$user is not an experiment user with home $home"
  pg_ready
  rm -rf "$stage"
  mkdir -p "$stage"
  # The code: what the clone has that the repository lacks is pushed first.
  if [ -d "$home/code/.git" ]; then
    if as_user "$user" git -C "$home/code" push -q --all origin 2>&1; then
      say "pushed ~/code"
    else
      say "could not push ~/code (left as it is; the home tarball keeps it if asked)"
    fi
  fi
  # The bare repository on the host, or (Gitea) the clone, which holds what was just pushed.
  src=""
  if [ -d "$home/repo.git" ]; then src="$home/repo.git"; elif [ -d "$home/code/.git" ]; then src="$home/code"; fi
  if [ -n "$src" ] && [ -n "$(git -c safe.directory='*' -C "$src" for-each-ref --count=1 refs/heads 2>/dev/null)" ]; then
    git -c safe.directory='*' -C "$src" bundle create -q "$stage/repo.bundle" --branches --tags
    say "bundled the repository"
  fi
  runuser -u postgres -- pg_dump -Fc -d "$database" > "$stage/database.dump"
  say "dumped database $database"
  if [ "$with_home" = 1 ]; then
    tar -C "$(dirname "$home")" -czf "$stage/home.tar.gz" --exclude="$(basename "$home")/repo.git" "$(basename "$home")"
    say "packed the home"
  fi
  {
    printf 'pg_dump\t%s\n' "$(pg_dump --version)"
    printf 'git\t%s\n' "$(git --version)"
    printf 'tar\t%s\n' "$(tar --version | head -n 1)"
    printf 'postgres\t%s\n' "$(runuser -u postgres -- psql -X -t -A -d postgres -c 'show server_version')"
  } > "$stage/versions.tsv"
  # Summed before SHA256SUMS exists, so it does not list itself.
  sums=$(cd "$stage" && sha256sum -- *)
  printf '%s\n' "$sums" > "$stage/SHA256SUMS"
  chown -R "$owner" "$stage"
  chmod 0700 "$stage"
  cat "$stage/SHA256SUMS"
  ;;

remove) # USER DATABASE HOME
  user=$1 database=$2 home=$3
  if id "$user" >/dev/null 2>&1; then
    is_ours "$user" "$home" || die "$user is not an experiment user with home $home; not removing it"
    uid=$(id -u "$user")
    loginctl terminate-user "$user" >/dev/null 2>&1 || true
    pkill -KILL -u "$user" >/dev/null 2>&1 || true
    sleep 0.2
    userdel "$user" 2>/dev/null || { pkill -KILL -u "$user" >/dev/null 2>&1 || true; sleep 0.5; userdel "$user"; }
    say "removed user $user"
    if [ -e "/etc/systemd/system/user-$uid.slice.d/50-labdeck.conf" ]; then
      rm -f "/etc/systemd/system/user-$uid.slice.d/50-labdeck.conf"
      rmdir "/etc/systemd/system/user-$uid.slice.d" 2>/dev/null || true
      systemctl daemon-reload 2>/dev/null || true
      say "removed its limits"
    fi
  fi
  if [ -d "$home" ]; then
    rm -rf -- "$home"
    say "removed $home"
  fi
  if command -v psql >/dev/null 2>&1 && id postgres >/dev/null 2>&1; then
    pg_ready
    psql_admin -v role="$user" -v db="$database" <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
DROP ROLE IF EXISTS :"role";
SQL
    say "dropped database $database and role $user"
  fi
  ;;

restore-data) # USER DATABASE HOME STAGE
  user=$1 database=$2 home=$3 stage=$4
  is_ours "$user" "$home" || die "$user is not an experiment user with home $home"
  (cd "$stage" && sha256sum --quiet -c SHA256SUMS) || die "the uploaded archive does not match its SHA-256 sums"
  if [ -f "$stage/home.tar.gz" ]; then
    # Into this experiment's home (its name may differ from the archived one's), keeping what the
    # steps before wrote for it: its database password, its name, its login message.
    old=$(tar -tzf "$stage/home.tar.gz" | head -n 1 | cut -d/ -f1)
    tar -C "$home" --strip-components=1 --anchored \
      --exclude="$old/.pgpass" --exclude="$old/.git-credentials" --exclude="$old/.labdeck/env" \
      --exclude="$old/.labdeck/experiment" --exclude="$old/.labdeck/login-message" --exclude="$old/README" \
      -xzf "$stage/home.tar.gz"
    chown -R "$user:$GROUP" "$home"
    say "unpacked the home"
  fi
  if [ -f "$stage/repo.bundle" ]; then
    rm -rf "$home/repo.git"
    git clone -q --bare "$stage/repo.bundle" "$home/repo.git"
    git -C "$home/repo.git" remote remove origin 2>/dev/null || true
    # A bundle's HEAD is not kept: main is the branch a clone checks out.
    if git -C "$home/repo.git" rev-parse -q --verify refs/heads/main >/dev/null; then
      git -C "$home/repo.git" symbolic-ref HEAD refs/heads/main
    fi
    chown -R "$user:$GROUP" "$home/repo.git"
    if [ ! -d "$home/code/.git" ]; then
      as_user "$user" git clone -q "$home/repo.git" "$home/code"
    fi
    say "restored the repository"
  fi
  pg_ready
  # Objects come back owned by the experiment's role, whatever they were owned by before.
  runuser -u postgres -- pg_restore --no-owner --no-privileges --role="$user" --clean --if-exists -d "$database" < "$stage/database.dump" ||
    die "pg_restore could not restore the database dump into $database"
  say "restored database $database"
  ;;

cleanup) # STAGE
  rm -rf -- "$1"
  ;;

*)
  die "unknown step '$step'"
  ;;
esac
