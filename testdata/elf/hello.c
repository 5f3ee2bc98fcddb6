/* The C program tests/unit/elf.mk compiles into ELF fixtures of every
 * linkage: static, static-pie, dynamic, 32-bit, other machines. */
#include <stdio.h>

int main(void)
{
	puts("hello from gsimage");
	return 0;
}
