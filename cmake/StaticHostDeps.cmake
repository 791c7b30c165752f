# Links abseil, libseccomp and capstone statically into the host binaries.
#
# Debian's abseil CMake package points its imported targets at shared
# libraries; starting a sandbox then means the dynamic loader maps about 50
# of them, which dominated `ringfence do` start-up. Debian also ships the
# static archives, so point every absl:: target at its .a instead; the
# targets keep their dependency edges, so CMake still orders the archives.
function(ringfence_use_static_abseil)
  get_property(targets DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTY IMPORTED_TARGETS)
  foreach(target IN LISTS targets)
    if(NOT target MATCHES "^absl::")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "SHARED_LIBRARY")
      continue()
    endif()
    get_target_property(shared ${target} IMPORTED_LOCATION_NONE)
    string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" archive "${shared}")
    if(EXISTS "${archive}")
      set_target_properties(${target} PROPERTIES
        IMPORTED_LOCATION_NONE "${archive}"
        IMPORTED_LOCATION "${archive}")
    endif()
  endforeach()
endfunction()
ringfence_use_static_abseil()

# libseccomp and capstone: their pkg-config --static flags name the archives.
pkg_check_modules(SECCOMP_STATIC REQUIRED libseccomp)
pkg_check_modules(CAPSTONE_STATIC REQUIRED capstone)
find_library(SECCOMP_ARCHIVE NAMES libseccomp.a REQUIRED)
find_library(CAPSTONE_ARCHIVE NAMES libcapstone.a REQUIRED)
add_library(ringfence_seccomp INTERFACE)
target_include_directories(ringfence_seccomp INTERFACE ${SECCOMP_STATIC_INCLUDE_DIRS})
target_link_libraries(ringfence_seccomp INTERFACE ${SECCOMP_ARCHIVE})
add_library(ringfence_capstone INTERFACE)
target_include_directories(ringfence_capstone INTERFACE ${CAPSTONE_STATIC_INCLUDE_DIRS})
target_link_libraries(ringfence_capstone INTERFACE ${CAPSTONE_ARCHIVE})
