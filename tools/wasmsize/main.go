// Command wasmsize prints a wasm bundle's size raw, gzip -9 and brotli, the
// figures `make wasm` and `make bench` report. With -write it also keeps
// the compressed files it measured beside the bundle (NAME.gz, NAME.br), which
// `webernetes serve` and `webernetes page` send to browsers that accept them;
// it never changes the bundle itself.
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
	write := flag.Bool("write", false, "write NAME.gz and NAME.br beside each file")
	flag.Parse()
	for _, f := range flag.Args() {
		if err := measure(f, *quality, *write); err != nil {
			fmt.Fprintln(os.Stderr, "wasmsize:", err)
			os.Exit(1)
		}
	}
}

func measure(f string, quality int, write bool) error {
	data, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	gz := compressed(data, func(w io.Writer) io.WriteCloser {
		z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		return z
	})
	line := fmt.Sprintf("%s: raw %s, gzip -9 %s", f, mb(len(data)), mb(len(gz)))
	outputs := map[string][]byte{f + ".gz": gz}
	if quality > 0 {
		start := time.Now()
		br := compressed(data, func(w io.Writer) io.WriteCloser {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: quality, LGWin: 24})
		})
		line += fmt.Sprintf(", brotli q%d %s (%.0fs to compress)", quality, mb(len(br)), time.Since(start).Seconds())
		outputs[f+".br"] = br
	}
	fmt.Println(line)
	if write {
		for name, data := range outputs {
			if err := os.WriteFile(name, data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func compressed(data []byte, w func(io.Writer) io.WriteCloser) []byte {
	var b bytes.Buffer
	z := w(&b)
	z.Write(data)
	z.Close()
	return b.Bytes()
}

func mb(n int) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
