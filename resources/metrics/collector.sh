# Labdeck's metrics collector: one long-lived shell per host (dash, bash or busybox sh). Each line
# the app writes on stdin asks for one sample; the answer is a block of tagged lines ending in "E".
# /proc and /sys are read with the `read` builtin, so a sample forks nothing, except `df` (every
# 10th sample) and `nvidia-smi` (where present; its compute apps every 5th sample).
LC_ALL=C
export LC_ALL
# A hung NFS mount (df) or GPU driver (nvidia-smi) must not stall every later sample.
t=
# (Tried once: old busybox spells it `timeout -t 5`, and then it is left out.)
if timeout 1 true >/dev/null 2>&1; then t="timeout 5"; fi
gpu=
if command -v nvidia-smi >/dev/null 2>&1; then gpu=1; fi
GQ=index,uuid,name,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,temperature.gpu,power.draw,power.limit,fan.speed,clocks.sm,pstate

# The users, once: GPU processes are named by them.
while IFS=: read -r name _pw uid _rest; do
  echo "U $uid $name"
done </etc/passwd
echo "H $gpu"
echo E

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
