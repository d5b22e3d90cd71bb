# emerge test double: the GNU make jobserver, both sides (sourced by emerge-double.sh).
#
# emerge's side follows lib/_emerge/Scheduler.py: with FEATURES=jobserver-token and MAKEFLAGS holding
# --jobserver-auth=fifo:PATH, _main_loop opens the FIFO; _acquire_job_token takes one byte before each
# build job starts (blocking here, where the real scheduler waits for the FIFO to become readable) and
# _release_job_token writes it back when the job ends (_build_exit, _extract_exit). When MAKEFLAGS came
# from emerge's own environment a token was taken for it already: its first job runs in that implicit
# slot without reading one.
#
# The ebuild's side: emake (bin/ebuild-helpers/emake) drops MAKEOPTS when MAKEFLAGS is set, then
# make_double runs the targets as a GNU make would: with -jN on its command line it runs N jobs of its
# own (a -jN next to an inherited jobserver resets it: "-jN forced in submake: resetting jobserver
# mode"); under a jobserver its first job uses its implicit slot (the token emerge took) and each
# further job a token read from the FIFO, written back when that job ends (GNU make manual, "POSIX
# Jobserver Interaction"). A target "compiles" for EMERGE_DOUBLE_UNIT_SECONDS (default 0.3) in a
# process whose argv[0] is "cc1-double", which is what tests count.

JOBSERVER_FD=""
IMPLICIT_TOKEN=0

# The FIFO of the last --jobserver-auth=fifo: in MAKEFLAGS (GNU make uses the last one).
jobserver_fifo() { # makeflags
  local word fifo=""
  for word in $1; do case $word in --jobserver-auth=fifo:*) fifo=${word#--jobserver-auth=fifo:} ;; --jobserver-auth=*) fifo="" ;; esac; done
  printf '%s' "$fifo"
}

# Scheduler._main_loop: only FEATURES=jobserver-token makes emerge a jobserver client.
jobserver_open() {
  case " $(make_conf_var FEATURES) ${FEATURES:-} " in *' jobserver-token '*) ;; *) return 0 ;; esac
  local fifo; fifo=$(jobserver_fifo "${MAKEFLAGS:-$(make_conf_var MAKEFLAGS)}")
  [ -n "$fifo" ] || return 0
  [ -n "${MAKEFLAGS+set}" ] && IMPLICIT_TOKEN=1
  exec {JOBSERVER_FD}<>"$fifo" || { echo "!!! Unable to connect to jobserver: $fifo" >&2; exit 1; }
}

# Sets TOKEN to the byte taken ("" for the implicit slot or without a jobserver).
jobserver_acquire() {
  TOKEN=""
  [ -n "$JOBSERVER_FD" ] || return 0
  if [ "$IMPLICIT_TOKEN" = 1 ]; then IMPLICIT_TOKEN=0; return 0; fi
  IFS= read -r -n 1 -u "$JOBSERVER_FD" TOKEN
}

jobserver_release() { # token
  [ -n "$JOBSERVER_FD" ] || return 0
  if [ -z "$1" ]; then IMPLICIT_TOKEN=1; else printf '%s' "$1" >&"$JOBSERVER_FD"; fi
}

# bin/ebuild-helpers/emake: "Prevent MAKEOPTS from resetting MAKEFLAGS jobserver mode for bug 692576."
emake() {
  local opts=${MAKEOPTS:-}
  [ -n "${MAKEFLAGS:-}" ] && opts=""
  make_double $opts "$@" || die "emake failed"
}

make_double() {
  local arg jobs="" targets=() fifo fd=""
  for arg in "$@"; do
    case $arg in -j) ;; -j*) jobs=${arg#-j} ;; --jobs=*) jobs=${arg#--jobs=} ;; -*) ;; *) targets+=("$arg") ;; esac
  done
  fifo=$(jobserver_fifo "${MAKEFLAGS:-}")
  if [ -n "$fifo" ] && [ -n "$jobs" ]; then echo "make: warning: -j$jobs forced in submake: resetting jobserver mode." >&2; fifo=""; fi
  [ -n "$fifo" ] && { exec {fd}<>"$fifo" || return 2; }
  run_targets "${fd}" "${jobs:-1}" "${targets[@]}"
}

# Starts each target when a slot is free; reaps finished jobs and gives their tokens back.
run_targets() { # fd jobs targets…
  local fd=$1 jobs=$2 target pid token implicit=1 status=0
  declare -A held=()
  shift 2
  for target in "$@"; do
    while :; do
      if [ -z "$fd" ] && [ ${#held[@]} -lt "$jobs" ]; then token=""; break; fi
      if [ -n "$fd" ] && [ $implicit = 1 ]; then implicit=0; token=""; break; fi
      if [ -n "$fd" ] && IFS= read -r -n 1 -t 0.05 -u "$fd" token; then break; fi
      [ -z "$fd" ] && sleep 0.05
      reap_jobs || status=1
    done
    compile_unit "$target" & held[$!]=$token
  done
  while [ ${#held[@]} -gt 0 ]; do sleep 0.05; reap_jobs || status=1; done
  return $status
}

# Uses run_targets' held, fd and implicit.
reap_jobs() {
  local pid status=0
  for pid in "${!held[@]}"; do
    kill -0 "$pid" 2>/dev/null && continue
    wait "$pid" || status=1
    if [ -z "${held[$pid]}" ]; then implicit=1; else printf '%s' "${held[$pid]}" >&"$fd"; fi
    unset "held[$pid]"
  done
  return $status
}

compile_unit() { # target
  exec -a cc1-double /bin/bash -c 'sleep "$1"; :' cc1-double "${EMERGE_DOUBLE_UNIT_SECONDS:-0.3}"
}
