# Sentry sources that compile both freestanding and hosted (paths relative to
# kernel/). Hosted unit tests link them through the sentry_hosted library.
set(SENTRY_PORTABLE_SOURCES
  ktl/errno.cc
  ktl/format.cc
  ktl/panic.cc
  ktl/random.cc
  ktl/string.cc
  elf/elf_parser.cc
  mm/heap.cc
  mm/page_allocator.cc
  mm/vma_set.cc
)

# Hosted build only (sentry_hosted): ktl::Panic for unit tests.
set(SENTRY_HOSTED_ONLY_SOURCES
  ktl/hosted/panic_hosted.cc
)

# Sentry image only (sentry_kernel): memcpy & co., and operator new/delete
# routed to the kernel heap.
set(SENTRY_FREESTANDING_ONLY_SOURCES
  ktl/freestanding/mem.cc
  ktl/freestanding/new_delete.cc
)

# Until kernel/CMakeLists.txt names the two variables above itself, add them
# to their targets once the directory has defined those targets. Sources a
# target already lists are skipped, so wiring them explicitly later is safe.
set(_RINGFENCE_KERNEL_DIR ${CMAKE_CURRENT_LIST_DIR})
function(_ringfence_wire_split_sources)
  foreach(pair "sentry_hosted;SENTRY_HOSTED_ONLY_SOURCES"
               "sentry_kernel;SENTRY_FREESTANDING_ONLY_SOURCES")
    list(GET pair 0 target)
    list(GET pair 1 var)
    if(NOT TARGET ${target})
      continue()
    endif()
    get_target_property(existing ${target} SOURCES)
    foreach(src IN LISTS ${var})
      get_filename_component(name ${src} NAME)
      get_filename_component(abs ${src} ABSOLUTE BASE_DIR ${_RINGFENCE_KERNEL_DIR})
      set(found FALSE)
      foreach(e IN LISTS existing)
        get_filename_component(e_abs ${e} ABSOLUTE BASE_DIR ${_RINGFENCE_KERNEL_DIR})
        if(e_abs STREQUAL abs)
          set(found TRUE)
        endif()
      endforeach()
      if(NOT found)
        target_sources(${target} PRIVATE ${abs})
      endif()
    endforeach()
  endforeach()
endfunction()
cmake_language(DEFER CALL _ringfence_wire_split_sources)
