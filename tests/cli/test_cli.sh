#!/usr/bin/env bash
# The `conflux` dispatcher: version, help, per-subcommand help, unknown subcommands.
set -u
conflux=$1
fail=0
check() { # check NAME EXPECTED_STATUS REGEX -- command...
  local name=$1 want=$2 re=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $want ]]; then
    echo "FAIL $name: exit status $status, expected $want; output: $out"
    fail=1
  elif ! grep -Eq -- "$re" <<<"$out"; then
    echo "FAIL $name: output does not match /$re/: $out"
    fail=1
  else
    echo "ok   $name"
  fi
}
check version 0 '^conflux [0-9]+\.[0-9]+\.[0-9]+$' -- "$conflux" --version
check version_deps 0 'PETSc.*HDF5.*fftw.*SUNDIALS' -- "$conflux" --version
check version_word 0 '^conflux [0-9]+\.[0-9]+\.[0-9]+$' -- "$conflux" version
check help_lists 0 'version +print the conflux version' -- "$conflux" -help
check help_long 0 'Subcommands:' -- "$conflux" --help
check help_on 0 'Usage: conflux version' -- "$conflux" help version
check no_args 2 'Usage: conflux <subcommand>' -- "$conflux"
check unknown 2 "^conflux: unknown subcommand 'nosuch'; valid subcommands: .*version.*help" -- "$conflux" nosuch
check unknown_help 2 "unknown subcommand 'nosuch'" -- "$conflux" help nosuch
check unknown_opts 2 "unknown subcommand 'nosuch'" -- "$conflux" nosuch -help -version
# exactly one line for an unknown subcommand
lines=$("$conflux" nosuch 2>&1 | wc -l)
if [[ $lines -ne 1 ]]; then echo "FAIL unknown_one_line: $lines lines"; fail=1; else echo "ok   unknown_one_line"; fi
exit $fail
