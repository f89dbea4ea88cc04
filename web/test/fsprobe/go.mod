// A js/wasm program that exercises the file-system calls Go makes, run on web/src/fs.ts's
// in-memory node root by web/test/fs.test.mjs. Its own module: not part of the project's.
module webernetes.test/fsprobe

go 1.26
