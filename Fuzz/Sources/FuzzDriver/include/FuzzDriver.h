// libFuzzer's driver entry point (compiler-rt, lib/fuzzer/FuzzerInterface.h; LLVM 11 and later).
// SwiftPM renames an executable's `main`, so each fuzz target's `@main` calls this itself.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
