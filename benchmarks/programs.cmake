# Benchmark programs (included by benchmarks/CMakeLists.txt).
#   bench_getpid_loop -> getpid_loop  (static)
#   bench_true        -> true         (static: startup cost; /bin/true is dynamic)
#   bench_measure     -> measure      (wall time + peak RSS via wait4)
#   bench_fs_ops      -> fs_ops       (stat, open+read+close, streaming I/O)
#   bench_thread_pingpong -> thread_pingpong (futex hand-over, sched_yield switch)
#   bench_fork_exit_wait -> fork_exit_wait (process creation, exit and reaping)
#   bench_signal_roundtrip -> signal_roundtrip (kill self + handler + sigreturn)
#   bench_pipe_pingpong -> pipe_pingpong (a byte over two pipes between threads)
#   bench_fork_exec   -> fork_exec    (fork + execve + waitpid round trips)
# All land in <build>/benchmarks/, where benchmarks/run.sh looks for them.
set(_rf_bench_dir ${CMAKE_CURRENT_LIST_DIR})
set(_rf_bench_out ${CMAKE_BINARY_DIR}/benchmarks)

add_custom_target(benchmark_programs)
foreach(_prog getpid_loop true measure fs_ops thread_pingpong fork_exit_wait signal_roundtrip
              pipe_pingpong fork_exec)
  add_executable(bench_${_prog} ${_rf_bench_dir}/${_prog}.c)
  set_target_properties(bench_${_prog} PROPERTIES
    OUTPUT_NAME ${_prog}
    C_STANDARD 11
    C_EXTENSIONS ON
    RUNTIME_OUTPUT_DIRECTORY ${_rf_bench_out})
  target_compile_options(bench_${_prog} PRIVATE -O2 -fno-pie)
  target_link_options(bench_${_prog} PRIVATE -static -no-pie)
  add_dependencies(benchmark_programs bench_${_prog})
  if(_prog MATCHES "_pingpong$")
    target_link_libraries(bench_${_prog} PRIVATE -pthread)
  endif()
endforeach()
