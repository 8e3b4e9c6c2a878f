# pm-pipe
# As pm-file-syscall, with a protected shell running 'pmwork file syscall | cat >FILE': the shell and its two children (threads and descendants are protected with it), and the pipe between them with the bytes still in it, are re-created; pmwork's lines keep arriving through the pipe.
SCENARIO_TIER=feature
SCENARIO_TIMEOUT=900
PM_WORKLOAD=file
PM_TIMING=syscall
PM_PIPE=1
. "$LAB_DIR/scenarios/pm-file-syscall.sh"
