#include "tests/unit/kernel/vfs_test_fixture.h"
