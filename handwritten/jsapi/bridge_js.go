//go:build js

package jsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall/js"
)

// Register sets globalThis.webernetes to the API's functions, for web/'s
// worker:
//
//	start({nodes, onProgress(phase)})              Promise<void>
//	stop()                                        Promise<void>
//	kubectl(argv: string[], stdin: string)        Promise<{stdout, stderr, exitCode}>
//	apply(yaml)                                   Promise<string>  JSON array of the applied objects
//	get(resource, namespace, name)                Promise<string>  JSON
//	list(resource, namespace)                     Promise<string>  JSON list; namespace "" is all
//	delete(resource, namespace, name)             Promise<void>
//	watch(resource, namespace, resourceVersion,
//	      onEvent(type, objectJSON), onEnd(err))  cancel()  (onEnd("") after cancel)
//	logs(namespace, pod, {container, follow, previous},
//	     onChunk(text), onEnd(err))                cancel()  (onEnd("") at the log's end or after cancel)
//	fetch(url, {method, headers, body})          Promise<{status, statusText, headers, body}>: into the cluster (API.Fetch)
//	componentLogs()                               string: the newest part of the components' log (klog)
//	memStats()                                    {heapAlloc, heapSys, sys, goroutines}: Go's memory (bytes) now
//
// A rejected promise carries an Error whose message is the Go error's text
// (the apiserver's Status message for API errors). A panic in a call rejects
// its promise with the panic and stack; the cluster goes on.
func Register(a *API, logs *LogTail) {
	fns := map[string]func(this js.Value, args []js.Value) any{
		"start": func(_ js.Value, args []js.Value) any {
			opts := arg(args, 0)
			nodes := 0
			if v := opts.Get("nodes"); v.Type() == js.TypeNumber {
				nodes = v.Int()
			}
			progress := opts.Get("onProgress")
			return promise(func() (any, error) {
				return nil, a.Start(context.Background(), StartOptions{
					Nodes: nodes,
					Progress: func(phase string) {
						if progress.Type() == js.TypeFunction {
							progress.Invoke(phase)
						}
					},
				})
			})
		},
		"stop": func(js.Value, []js.Value) any {
			return promise(func() (any, error) { return nil, a.Stop() })
		},
		"kubectl": func(_ js.Value, args []js.Value) any {
			argv := stringSlice(arg(args, 0))
			stdin := str(arg(args, 1))
			return promise(func() (any, error) {
				r := a.Kubectl(context.Background(), argv, stdin)
				return map[string]any{"stdout": r.Stdout, "stderr": r.Stderr, "exitCode": r.ExitCode}, nil
			})
		},
		"apply": func(_ js.Value, args []js.Value) any {
			manifest := str(arg(args, 0))
			return promise(func() (any, error) {
				objs, err := a.Apply(context.Background(), manifest)
				if err != nil {
					return nil, err
				}
				items := make([]any, len(objs))
				for i, o := range objs {
					items[i] = o.Object
				}
				return jsonString(items)
			})
		},
		"get": func(_ js.Value, args []js.Value) any {
			res, ns, name := str(arg(args, 0)), str(arg(args, 1)), str(arg(args, 2))
			return promise(func() (any, error) {
				data, err := a.Get(context.Background(), res, ns, name)
				return string(data), err
			})
		},
		"list": func(_ js.Value, args []js.Value) any {
			res, ns := str(arg(args, 0)), str(arg(args, 1))
			return promise(func() (any, error) {
				data, err := a.List(context.Background(), res, ns)
				return string(data), err
			})
		},
		"delete": func(_ js.Value, args []js.Value) any {
			res, ns, name := str(arg(args, 0)), str(arg(args, 1)), str(arg(args, 2))
			return promise(func() (any, error) { return nil, a.Delete(context.Background(), res, ns, name) })
		},
		"fetch": func(_ js.Value, args []js.Value) any {
			req := FetchRequest{URL: str(arg(args, 0)), Headers: map[string]string{}}
			if init := arg(args, 1); init.Type() == js.TypeObject {
				req.Method, req.Body = str(init.Get("method")), str(init.Get("body"))
				if h := init.Get("headers"); h.Type() == js.TypeObject {
					keys := js.Global().Get("Object").Call("keys", h)
					for i := 0; i < keys.Length(); i++ {
						k := keys.Index(i).String()
						req.Headers[k] = str(h.Get(k))
					}
				}
			}
			return promise(func() (any, error) {
				r, err := a.Fetch(context.Background(), req)
				if err != nil {
					return nil, err
				}
				headers := map[string]any{}
				for k, v := range r.Headers {
					headers[k] = v
				}
				return map[string]any{"status": r.Status, "statusText": r.StatusText, "headers": headers, "body": r.Body}, nil
			})
		},
		"componentLogs": func(js.Value, []js.Value) any { return logs.String() },
		"memStats": func(js.Value, []js.Value) any {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return map[string]any{
				"heapAlloc": float64(m.HeapAlloc), "heapSys": float64(m.HeapSys), "sys": float64(m.Sys),
				"goroutines": runtime.NumGoroutine(),
			}
		},
		"watch": func(_ js.Value, args []js.Value) any {
			res, ns, rv := str(arg(args, 0)), str(arg(args, 1)), str(arg(args, 2))
			onEvent := arg(args, 3)
			return stream(arg(args, 4), func(ctx context.Context) error {
				return a.Watch(ctx, res, ns, rv, func(eventType string, object []byte) {
					onEvent.Invoke(eventType, string(object))
				})
			})
		},
		"logs": func(_ js.Value, args []js.Value) any {
			ns, pod, opts := str(arg(args, 0)), str(arg(args, 1)), arg(args, 2)
			onChunk := arg(args, 3)
			o := LogOptions{}
			if opts.Type() == js.TypeObject {
				o = LogOptions{Container: str(opts.Get("container")), Follow: opts.Get("follow").Truthy(), Previous: opts.Get("previous").Truthy()}
			}
			return stream(arg(args, 4), func(ctx context.Context) error {
				return a.Logs(ctx, ns, pod, o, func(chunk string) { onChunk.Invoke(chunk) })
			})
		},
	}
	api := js.Global().Get("Object").New()
	for name, f := range fns {
		api.Set(name, js.FuncOf(f))
	}
	js.Global().Set("webernetes", api)
}

// stream runs f in a goroutine until it returns or the returned cancel
// function is called, then calls onEnd with "" (cancelled, or f ended
// without error) or f's error (a panic's text and stack). The cancel
// function is released after onEnd: JavaScript must not call it after that.
func stream(onEnd js.Value, f func(ctx context.Context) error) js.Func {
	ctx, cancel := context.WithCancel(context.Background())
	cancelFn := js.FuncOf(func(js.Value, []js.Value) any {
		cancel()
		return nil
	})
	go func() {
		msg := ""
		func() {
			defer func() {
				if r := recover(); r != nil {
					msg = fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack())
				}
			}()
			if err := f(ctx); err != nil {
				msg = err.Error()
			}
		}()
		cancel()
		if onEnd.Type() == js.TypeFunction {
			onEnd.Invoke(msg)
		}
		cancelFn.Release()
	}()
	return cancelFn
}

// promise runs f in a goroutine (a js.Func must not block the event loop)
// and settles a Promise with its result: a string, a number, nil, or a
// map[string]any of those.
func promise(f func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		executor.Release()
		go func() {
			v, err := func() (v any, err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v\n\n%s", r, debug.Stack())
					}
				}()
				return f()
			}()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

func str(v js.Value) string {
	if v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

func stringSlice(v js.Value) []string {
	if v.Type() != js.TypeObject {
		return nil
	}
	out := make([]string, v.Length())
	for i := range out {
		out[i] = v.Index(i).String()
	}
	return out
}

func jsonString(v any) (any, error) {
	data, err := json.Marshal(v)
	return string(data), err
}
