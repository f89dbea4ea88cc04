// Command wasmsize prints a wasm bundle's size raw, gzip -9 and brotli, the
// figures `make wasm` and `make bench` report. It only measures; it never
// changes the bundle.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("brotli", 11, "brotli quality (0-11; 0 skips brotli)")
	flag.Parse()
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wasmsize:", err)
			os.Exit(1)
		}
		gz := compressed(data, func(w io.Writer) io.WriteCloser {
			z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
			return z
		})
		line := fmt.Sprintf("%s: raw %s, gzip -9 %s", f, mb(len(data)), mb(gz))
		if *quality > 0 {
			start := time.Now()
			br := compressed(data, func(w io.Writer) io.WriteCloser {
				return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: *quality, LGWin: 24})
			})
			line += fmt.Sprintf(", brotli q%d %s (%.0fs to compress)", *quality, mb(br), time.Since(start).Seconds())
		}
		fmt.Println(line)
	}
}

func compressed(data []byte, w func(io.Writer) io.WriteCloser) int {
	var b bytes.Buffer
	z := w(&b)
	z.Write(data)
	z.Close()
	return b.Len()
}

func mb(n int) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
