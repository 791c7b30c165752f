// Where the programs of tests/programs are: CMake defines
// RINGFENCE_TEST_PROGRAMS_DIR for the integration test binaries.
#ifndef RINGFENCE_TESTS_INTEGRATION_TEST_PROGRAMS_H_
#define RINGFENCE_TESTS_INTEGRATION_TEST_PROGRAMS_H_

#include <string>

#ifndef RINGFENCE_TEST_PROGRAMS_DIR
#error "RINGFENCE_TEST_PROGRAMS_DIR must be defined by CMake"
#endif

namespace ringfence::testing {

// The path of test program `name`, plus a link-form suffix such as "_pie".
inline std::string TestProgram(const std::string& name, const std::string& variant = "") {
  return std::string(RINGFENCE_TEST_PROGRAMS_DIR) + "/" + name + variant;
}

}  // namespace ringfence::testing

#endif  // RINGFENCE_TESTS_INTEGRATION_TEST_PROGRAMS_H_
