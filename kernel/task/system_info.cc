#include "kernel/task/system_info.h"

#include "kernel/ktl/string.h"

namespace sentry {
namespace {
char g_hostname[65] = "ringfence";
}  // namespace

void SetHostname(const char* name) { ktl::StrCopy(g_hostname, name, sizeof(g_hostname)); }
const char* Hostname() { return g_hostname; }

}  // namespace sentry
