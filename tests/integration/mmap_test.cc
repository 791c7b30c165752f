// File-backed memory end to end: tests/programs/mmap_file.c on the sandbox's
// /tmp (tmpfs), one mode per run, in its -static and -static-pie forms.
// Natively (RINGFENCE_TEST_NATIVE=1) the same expectations check real Linux.
#include <signal.h>

#include "tests/integration/program_modes.h"

namespace ringfence::testing {
namespace {

class MmapFileTest : public ProgramModeTest {
 protected:
  MmapFileTest() : ProgramModeTest("mmap_file") {}
};

TEST_P(MmapFileTest, SharedMappingsAndReadWriteAgree) { ExpectModePasses("shared"); }

TEST_P(MmapFileTest, PrivateMappingsCopyOnWrite) { ExpectModePasses("private"); }

TEST_P(MmapFileTest, MadviseDontneedSemantics) { ExpectModePasses("advise"); }

TEST_P(MmapFileTest, Mincore) { ExpectModePasses("mincore"); }

TEST_P(MmapFileTest, MsyncAndPartialMunmap) { ExpectModePasses("sync"); }

TEST_P(MmapFileTest, MremapFixedAndPopulate) { ExpectModePasses("remap"); }

TEST_P(MmapFileTest, MmapErrors) { ExpectModePasses("errors"); }

TEST_P(MmapFileTest, SigbusPastEndOfFileToHandler) { ExpectModePasses("sigbus"); }

TEST_P(MmapFileTest, SigbusPastEndOfFileKills) {
  ExpectKilledBy(SIGBUS, "sigbus_kill", "about to fault\n");
}

INSTANTIATE_TEST_SUITE_P(LinkModes, MmapFileTest, kLinkModes, LinkModeName);

}  // namespace
}  // namespace ringfence::testing
