# An ELF made by the system's gcc.
printf 'int main(void) { return 0; }\n' > hello.c
gcc -o "$OUT" hello.c
