// phasis: one binary, one file per subcommand. Errors are caught here once and become one line on
// stderr and an exit code: 2 for bad input or usage, 1 for anything else.
#include <cstdio>

int main() {
  std::puts("phasis");
  return 0;
}
