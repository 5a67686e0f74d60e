# Test helpers. conflux_add_test() registers one CTest test with a label (unit, mpi,
# regression, reference, slow) and the environment every conflux test needs:
#  - OpenMPI may run as root and oversubscribe the 2 cores of CI machines;
#  - one thread per rank for OpenBLAS/OpenMP, so ranks do not fight over cores;
#  - sanitizer builds get leak suppressions for OpenMPI's own allocations.
#
# conflux_add_test(NAME name COMMAND exe args... [NPROCS n] [LABELS l...]
#                  [TIMEOUT s] [ENVIRONMENT VAR=value...] [WORKING_DIRECTORY dir]
#                  [PASS_REGULAR_EXPRESSION re] [WILL_FAIL])
# With NPROCS, the command runs under `mpiexec -n n --oversubscribe`; without it, directly
# (a singleton MPI process), which is what `ctest -T memcheck` wraps with valgrind.
include_guard(GLOBAL)
include(CTest)

set(CONFLUX_TEST_ENVIRONMENT
  OMPI_ALLOW_RUN_AS_ROOT=1
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  OMPI_MCA_rmaps_base_oversubscribe=1
  OMPI_MCA_btl_vader_single_copy_mechanism=none
  OMP_NUM_THREADS=1
  OPENBLAS_NUM_THREADS=1
  # The slow unwinder: system libraries have no frame pointers, and with the fast one leak
  # stacks stop after one frame, where the OpenMPI suppressions cannot match them.
  LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/cmake/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0
  # Keep OpenMPI's components loaded until exit so their frames have names in leak reports.
  OMPI_MCA_mca_base_component_disable_dlclose=1
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

# valgrind for `ctest -T memcheck`, with OpenMPI's suppressions and ours.
find_program(MEMORYCHECK_COMMAND valgrind)
set(MEMORYCHECK_COMMAND_OPTIONS "--leak-check=full --error-exitcode=97 --errors-for-leak-kinds=definite --num-callers=30")
set(_cfx_supp ${PROJECT_BINARY_DIR}/conflux-valgrind.supp)
file(READ ${PROJECT_SOURCE_DIR}/cmake/valgrind.supp _cfx_supp_text)
if(EXISTS /usr/share/openmpi/openmpi-valgrind.supp)
  file(READ /usr/share/openmpi/openmpi-valgrind.supp _cfx_ompi_supp)
  string(APPEND _cfx_supp_text "\n${_cfx_ompi_supp}")
endif()
file(WRITE ${_cfx_supp} "${_cfx_supp_text}")
set(MEMORYCHECK_SUPPRESSIONS_FILE ${_cfx_supp} CACHE FILEPATH "valgrind suppressions for ctest -T memcheck" FORCE)

function(conflux_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "WILL_FAIL" "NAME;NPROCS;TIMEOUT;WORKING_DIRECTORY;PASS_REGULAR_EXPRESSION" "COMMAND;LABELS;ENVIRONMENT")
  if(NOT T_NAME OR NOT T_COMMAND)
    message(FATAL_ERROR "conflux_add_test: NAME and COMMAND are required")
  endif()
  if(NOT T_LABELS)
    message(FATAL_ERROR "conflux_add_test(${T_NAME}): give LABELS (unit, mpi, regression, reference or slow)")
  endif()
  set(cmd ${T_COMMAND})
  if(T_NPROCS)
    set(cmd ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${T_NPROCS} --oversubscribe ${MPIEXEC_PREFLAGS} ${T_COMMAND})
  endif()
  if(NOT T_WORKING_DIRECTORY)
    set(T_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  add_test(NAME ${T_NAME} COMMAND ${cmd} WORKING_DIRECTORY ${T_WORKING_DIRECTORY})
  set_property(TEST ${T_NAME} PROPERTY ENVIRONMENT ${CONFLUX_TEST_ENVIRONMENT} ${T_ENVIRONMENT})
  set_property(TEST ${T_NAME} PROPERTY LABELS ${T_LABELS})
  set(props RUN_SERIAL FALSE)
  if(T_NPROCS)
    list(APPEND props PROCESSORS ${T_NPROCS})
  endif()
  if(T_TIMEOUT)
    list(APPEND props TIMEOUT ${T_TIMEOUT})
  else()
    list(APPEND props TIMEOUT 300)
  endif()
  if(T_PASS_REGULAR_EXPRESSION)
    list(APPEND props PASS_REGULAR_EXPRESSION "${T_PASS_REGULAR_EXPRESSION}")
  endif()
  if(T_WILL_FAIL)
    list(APPEND props WILL_FAIL TRUE)
  endif()
  list(APPEND props FIXTURES_REQUIRED conflux_mpi_session)
  set_tests_properties(${T_NAME} PROPERTIES ${props})
endfunction()

# OpenMPI creates its per-user session directory (/tmp/ompi.HOST.UID) on first use without
# tolerating a concurrent creator: on a fresh machine two tests starting MPI at the same moment
# can fail with "mkdir ... File exists" in orte_session_dir. One MPI start before all other
# tests (a CTest fixture every conflux_add_test requires) creates it once.
function(conflux_add_mpi_session_fixture exe)
  add_test(NAME mpi_session_dir COMMAND ${exe} version)
  set_tests_properties(mpi_session_dir PROPERTIES ENVIRONMENT "${CONFLUX_TEST_ENVIRONMENT}"
    LABELS unit FIXTURES_SETUP conflux_mpi_session TIMEOUT 60)
endfunction()

# conflux_add_test_program(name source... [LIBS lib...]): a test executable linked to conflux.
function(conflux_add_test_program name)
  cmake_parse_arguments(PARSE_ARGV 1 P "" "" "LIBS")
  add_executable(${name} ${P_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE conflux conflux_warnings m ${P_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
endfunction()
