# Labdeck's metrics collector: one long-lived shell per host (dash, bash or busybox sh). Each line
# the app writes on stdin asks for one sample; the answer is a block of tagged lines ending in "E".
# /proc and /sys are read with the `read` builtin, so a sample forks nothing, except `df` (every
# 10th sample) and `nvidia-smi` (where present; its compute apps every 5th sample).
# Per Linux user: CPU time and memory from the cgroup v2 user slices where systemd makes them
# (every sample), else summed from a scan of /proc/<pid>/{status,stat} (every 5th sample).
LC_ALL=C
export LC_ALL
# A hung NFS mount (df) or GPU driver (nvidia-smi) must not stall every later sample.
t=
# (Tried once: old busybox spells it `timeout -t 5`, and then it is left out.)
if timeout 1 true >/dev/null 2>&1; then t="timeout 5"; fi
gpu=
if command -v nvidia-smi >/dev/null 2>&1; then gpu=1; fi
GQ=index,uuid,name,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,temperature.gpu,power.draw,power.limit,fan.speed,clocks.sm,pstate

# The users: GPU processes and per-user figures are named by them. Read again when a uid turns up
# that was not there (an experiment's user created since).
known=
users() {
  known=
  while IFS=: read -r name _pw uid _rest; do
    echo "U $uid $name"
    known="$known $uid "
  done </etc/passwd
}
users
echo "H $gpu"
echo E

# Per-user figures from the cgroup v2 user slices (memory.current needs the memory controller there).
# (LABDECK_CGROUP points elsewhere in tests.)
cg=
for d in ${LABDECK_CGROUP:-/sys/fs/cgroup /sys/fs/cgroup/unified}; do
  if [ -r "$d/cgroup.controllers" ] && [ -d "$d/user.slice" ]; then
    cg=$d/user.slice
    break
  fi
done
# The page size in kB (for /proc/<pid>/stat's rss): this shell's VmRSS (kB) over its statm (pages).
pk=4
if read -r _sz rp _rest </proc/$$/statm && [ "$rp" -gt 0 ] 2>/dev/null; then
  while read -r k v _rest; do
    if [ "$k" = VmRSS: ]; then
      pk=$(((v + rp / 2) / rp))
      break
    fi
  done </proc/$$/status
  case $pk in 4 | 8 | 16 | 64) ;; *) pk=4 ;; esac
fi
# Uids seen this sample that /etc/passwd did not name when it was last read.
newuid=
# "S uid usage_usec memory_bytes pids" per user slice, then "S -"; fails where there are none.
slices() {
  got=
  for d in "$cg"/user-*.slice; do
    [ -r "$d/memory.current" ] || continue
    uid=${d##*/user-}
    uid=${uid%.slice}
    case $uid in '' | *[!0-9]*) continue ;; esac
    us=-
    while read -r k v; do
      if [ "$k" = usage_usec ]; then
        us=$v
        break
      fi
    done <"$d/cpu.stat"
    read -r mem <"$d/memory.current" || continue
    np=-
    if [ -r "$d/pids.current" ]; then read -r np <"$d/pids.current"; fi
    echo "S $uid $us $mem $np"
    case "$known$newuid" in *" $uid "*) ;; *) newuid="$newuid $uid " ;; esac
    got=1
  done
  [ -n "$got" ] && echo "S -"
}
# A scan reads two files a process byte by byte (the `read` builtin): about 0.3 ms of CPU each.
scan_every=5
# Kernel threads (children of kthreadd, pid 2, where this shell sees the host's own pids) are left
# out of the scan: they belong to no user, and skipping them before their stat is read halves a
# bare host's scan. (In a container pid 2 is an ordinary process, and no kernel thread is seen.)
kt=
if read -r k v _rest </proc/2/status 2>/dev/null && [ "$v" = kthreadd ]; then kt=2; fi
# "R uid cpu_ticks rss_kB processes" per user, summed over its processes, then "R -".
scan() {
  seen=
  for p in /proc/[0-9]*; do
    uid=
    pp=
    while read -r k v _rest; do
      case $k in
        PPid:) pp=$v ;;
        Uid:)
          uid=$v
          break
          ;;
      esac
    done 2>/dev/null <"$p/status"
    case $uid in '' | *[!0-9]*) continue ;; esac
    if [ -n "$kt" ] && { [ "$pp" = 2 ] || [ "$p" = /proc/2 ]; }; then continue; fi
    read -r line 2>/dev/null <"$p/stat" || continue
    # After the command name, which may hold spaces and parentheses: state is $1, utime ${12},
    # stime ${13}, rss (pages) ${22}.
    # shellcheck disable=SC2086 # split into its fields on purpose
    set -- ${line##*") "}
    [ $# -ge 22 ] || continue
    case " $seen " in
      *" $uid "*) ;;
      *)
        seen="$seen $uid"
        eval "ut_$uid=0 um_$uid=0 un_$uid=0"
        case "$known$newuid" in *" $uid "*) ;; *) newuid="$newuid $uid " ;; esac
        ;;
    esac
    eval "ut_$uid=\$((ut_$uid + ${12} + ${13})) um_$uid=\$((um_$uid + ${22} * pk)) un_$uid=\$((un_$uid + 1))"
  done
  for uid in $seen; do
    eval "echo \"R $uid \$ut_$uid \$um_$uid \$un_$uid\""
  done
  echo "R -"
}

n=0
while read -r _tick; do
  if read -r up _idle </proc/uptime; then echo "T $up"; fi
  while read -r k a b c d e f g h _rest; do
    case $k in
      cpu*) echo "C $k $a $b $c $d $e $f $g $h" ;;
      *) break ;;
    esac
  done </proc/stat
  if read -r l1 l5 l15 _rq _last </proc/loadavg; then echo "L $l1 $l5 $l15"; fi
  while read -r k v _unit; do
    case $k in
      MemTotal:|MemFree:|MemAvailable:|Buffers:|Cached:|SReclaimable:|SwapTotal:|SwapFree:) echo "M $k $v" ;;
    esac
  done </proc/meminfo
  while read -r _maj _min dev rd _rm rs _rt wr _wm ws _rest; do
    case $dev in
      loop*|ram*|zram*) ;;
      *) if [ -e "/sys/block/$dev" ]; then echo "D $dev $rd $rs $wr $ws"; fi ;;
    esac
  done </proc/diskstats
  while read -r line; do
    case $line in
      *:*) echo "N $line" ;;
    esac
  done </proc/net/dev
  set -- /proc/[0-9]*
  echo "P $#"
  if [ -n "$cg" ] && slices; then
    :
  elif [ $((n % scan_every)) -eq 0 ]; then
    scan
  fi
  if [ -n "$newuid" ]; then
    users
    # One that is still not there (no passwd entry) is not looked for again.
    known="$known$newuid"
    newuid=
  fi
  if [ $((n % 10)) -eq 0 ]; then
    $t df -P -k 2>/dev/null | while read -r fs size used avail _cap mnt; do
      case $fs in
        /dev/*|*:*) echo "F $size $used $avail $fs $mnt" ;;
        *) if [ "$mnt" = / ]; then echo "F $size $used $avail $fs $mnt"; fi ;;
      esac
    done
  fi
  if [ -n "$gpu" ]; then
    $t nvidia-smi --query-gpu=$GQ --format=csv,noheader,nounits 2>&1 | while read -r line; do echo "G $line"; done
    if [ $((n % 5)) -eq 0 ]; then
      $t nvidia-smi --query-compute-apps=pid,process_name,used_memory,gpu_uuid --format=csv,noheader,nounits 2>/dev/null |
        while IFS=, read -r pid rest; do
          uid=-1
          while read -r k v _rest; do
            if [ "$k" = Uid: ]; then uid=$v; break; fi
          done <"/proc/$pid/status" 2>/dev/null
          echo "A $uid $pid,$rest"
        done
      echo "A -"
    fi
  fi
  echo E
  n=$((n + 1))
done
