// hello: the smallest libc program: printf to stdout, exit 0.
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
