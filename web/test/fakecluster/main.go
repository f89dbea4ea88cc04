//go:build js && wasm

// Command fakecluster sets globalThis.webernetes with the API cmd/webernetes-wasm has, but
// answers from canned data, so the loader's own behaviour (Go panics, several clusters on
// a page, watch cancellation, errors) is tested in seconds. It must not be mistaken for a
// cluster: every answer names it ("fake").
//
// Triggers: start with nodes 0 panics during start; kubectl ["panic"] panics in a
// goroutine; kubectl ["exit"] exits the program; apply of YAML containing "invalid"
// rejects; watch of "broken" ends with an error after one event.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"syscall/js"
	"time"
)

var instance = fmt.Sprintf("fake-%08x", rand.Uint32())

// promise runs f in a goroutine and settles a JS Promise with its result.
func promise(f func() (any, error)) js.Value {
	var handler js.Func
	handler = js.FuncOf(func(this js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer handler.Release()
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(handler)
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func object(kind, ns, name string, gen int) map[string]any {
	return map[string]any{
		"kind": kind, "apiVersion": "v1",
		"metadata": map[string]any{"name": name, "namespace": ns, "generation": gen, "annotations": map[string]any{"fake": instance}},
	}
}

func main() {
	var mu sync.Mutex
	stopped := false
	api := map[string]any{
		"start": js.FuncOf(func(this js.Value, args []js.Value) any {
			opts := args[0]
			nodes := opts.Get("nodes").Int()
			progress := opts.Get("onProgress")
			return promise(func() (any, error) {
				progress.Invoke("certificates")
				if nodes == 0 {
					panic("fake: panic during start (nodes 0)")
				}
				for _, p := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
					progress.Invoke(p)
					time.Sleep(10 * time.Millisecond)
				}
				for i := 1; i <= nodes; i++ {
					progress.Invoke(fmt.Sprintf("node-%d", i))
				}
				progress.Invoke("ready")
				fmt.Println("fake cluster started:", instance)
				return nil, nil
			})
		}),
		"stop": js.FuncOf(func(this js.Value, args []js.Value) any {
			return promise(func() (any, error) {
				mu.Lock()
				stopped = true
				mu.Unlock()
				return nil, nil
			})
		}),
		"kubectl": js.FuncOf(func(this js.Value, args []js.Value) any {
			var argv []string
			for i := 0; i < args[0].Length(); i++ {
				argv = append(argv, args[0].Index(i).String())
			}
			stdin := ""
			if v := args[1].Get("stdin"); v.Type() == js.TypeString {
				stdin = v.String()
			}
			onOutput, onEnd := args[2], args[4]
			go func() {
				mu.Lock()
				wasStopped := stopped
				mu.Unlock()
				if wasStopped {
					onEnd.Invoke("fake: stopped", js.Null())
					return
				}
				switch {
				case len(argv) > 0 && argv[0] == "panic":
					time.Sleep(20 * time.Millisecond)
					panic("fake: panic requested by kubectl")
				case len(argv) > 0 && argv[0] == "exit":
					os.Exit(3)
				case len(argv) > 0 && argv[0] == "fail":
					onOutput.Invoke("stderr", "error: fake failure\n")
					onEnd.Invoke("", 1)
					return
				}
				onOutput.Invoke("stdout", toJSON(map[string]any{"argv": argv, "stdin": stdin, "instance": instance})+"\n")
				onEnd.Invoke("", 0)
			}()
			return js.FuncOf(func(js.Value, []js.Value) any { return nil })
		}),
		"apply": js.FuncOf(func(this js.Value, args []js.Value) any {
			yaml := args[0].String()
			return promise(func() (any, error) {
				if strings.Contains(yaml, "invalid") {
					return nil, fmt.Errorf(`ConfigMap "x" is invalid: fake: the manifest says invalid`)
				}
				return toJSON([]any{object("ConfigMap", "default", "applied", 1)}), nil
			})
		}),
		"get": js.FuncOf(func(this js.Value, args []js.Value) any {
			resource, ns, name := args[0].String(), args[1].String(), args[2].String()
			return promise(func() (any, error) {
				if name == "missing" {
					return nil, fmt.Errorf(`%s "missing" not found`, resource)
				}
				return toJSON(object(resource, ns, name, 1)), nil
			})
		}),
		"list": js.FuncOf(func(this js.Value, args []js.Value) any {
			resource, ns := args[0].String(), args[1].String()
			return promise(func() (any, error) {
				return toJSON(map[string]any{"kind": "List", "items": []any{object(resource, ns, "a", 1), object(resource, ns, "b", 1)}}), nil
			})
		}),
		"delete": js.FuncOf(func(this js.Value, args []js.Value) any {
			return promise(func() (any, error) { return nil, nil })
		}),
		"watch": js.FuncOf(func(this js.Value, args []js.Value) any {
			resource, ns := args[0].String(), args[1].String()
			onEvent, onEnd := args[3], args[4]
			done := make(chan struct{})
			var once sync.Once
			go func() {
				onEvent.Invoke("ADDED", toJSON(object(resource, ns, "a", 1)))
				if resource == "broken" {
					onEnd.Invoke("fake: watch failed")
					return
				}
				onEvent.Invoke("ADDED", toJSON(object(resource, ns, "b", 1)))
				for gen := 2; ; gen++ {
					select {
					case <-done:
						onEnd.Invoke("")
						return
					case <-time.After(50 * time.Millisecond):
						onEvent.Invoke("MODIFIED", toJSON(object(resource, ns, "a", gen)))
					}
				}
			}()
			return js.FuncOf(func(this js.Value, args []js.Value) any {
				once.Do(func() { close(done) })
				return nil
			})
		}),
		"componentLogs": js.FuncOf(func(this js.Value, args []js.Value) any {
			return "I0101 00:00:00.000000 1 fake.go:1] fake component log\n"
		}),
		"instance": instance,
	}
	js.Global().Set("webernetes", js.ValueOf(api))
	if ready := js.Global().Get("onWebernetesReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}
