//go:build js

package jsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall/js"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Register sets globalThis.webernetes to the API's functions, for web/'s
// worker:
//
//	start({nodes, onProgress(phase)})              Promise<void>
//	stop()                                        Promise<void>
//	kubectl(argv: string[], {stdin, env: string[], dir, tty?: {cols, rows, onMode(raw)}},
//	        onOutput("stdout"|"stderr", text), onWatch(), onEnd(err, exitCode))
//	                                              cancel(): kubectl runs until it exits (onEnd("", code)) or is cancelled;
//	                                              with tty, the page's terminal is its stdin and stdout (a tty to
//	                                              kubectl), and it returns {cancel(), write(text), closeStdin(), resize(cols, rows)}
//	writeFile(path, data: string|Uint8Array)      Promise<void>  (its directory made first)
//	readFile(path)                                Promise<Uint8Array>
//	removeFile(path)                              Promise<void>  (a directory with all in it; missing is no error)
//	apply(yaml)                                   Promise<string>  JSON array of the applied objects
//	get(resource, namespace, name)                Promise<string>  JSON
//	list(resource, namespace)                     Promise<string>  JSON list; namespace "" is all
//	delete(resource, namespace, name)             Promise<void>
//	watch(resource, namespace, resourceVersion,
//	      onEvent(type, objectJSON), onEnd(err))  cancel()  (onEnd("") after cancel)
//	watchTable(resource, namespace,
//	           onEvent(type, tableJSON), onEnd(err))  cancel(): each object as kubectl get prints it (API.WatchTable)
//	logs(namespace, pod, {container, follow, previous},
//	     onChunk(text), onEnd(err))                cancel()  (onEnd("") at the log's end or after cancel)
//	exec(namespace, pod, command: string[], {container, tty, stdin: boolean},
//	     onOutput("stdout"|"stderr", text), onEnd(err, exitCode))
//	                                              {cancel(), write(text), closeStdin(), resize(cols, rows)}
//	defineImage(ref, {entrypoint, cmd, env, workingDir},
//	            {start(id, {argv, env, dir, hostname, tty}, call(op, args): Promise),
//	             signal(id, "SIGTERM"), end(id)})          Promise<void>: an image whose program JavaScript runs:
//	                                              start is called for each process (ImageProcess.Call lists the
//	                                              operations; call("exit", [status]) ends it), end when it has ended
//	fetch(url, {method, headers, body})          Promise<{status, statusText, headers, body}>: into the cluster (API.Fetch)
//	setNetworkConditions(conditionsJSON)          Promise<void>: impairs the node network (API.SetNetworkConditions;
//	                                              a JSON array of {from, to, both, latencyMs, loss, partition})
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
			dns := true
			if v := opts.Get("dns"); v.Type() == js.TypeBoolean {
				dns = v.Bool()
			}
			// The default storage add-on, as kind's: on unless storage is false.
			storage := true
			if v := opts.Get("storage"); v.Type() == js.TypeBoolean {
				storage = v.Bool()
			}
			progress := opts.Get("onProgress")
			return promise(func() (any, error) {
				return nil, a.Start(context.Background(), StartOptions{
					Nodes:   nodes,
					DNS:     dns,
					Storage: storage,
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
			argv, opts := stringSlice(arg(args, 0)), arg(args, 1)
			onOutput, onWatch := arg(args, 2), arg(args, 3)
			o := KubectlOptions{Output: func(stream, text string) { onOutput.Invoke(stream, text) }}
			if opts.Type() == js.TypeObject {
				o.Stdin, o.Dir = str(opts.Get("stdin")), str(opts.Get("dir"))
				if env := opts.Get("env"); env.Type() == js.TypeObject {
					o.Env = stringSlice(env)
				}
			}
			if onWatch.Type() == js.TypeFunction {
				o.OnWatch = func() { onWatch.Invoke() }
			}
			var tty js.Value
			if opts.Type() == js.TypeObject {
				tty = opts.Get("tty")
			}
			if tty.Type() != js.TypeObject {
				return stream(arg(args, 4), func(ctx context.Context) (any, error) {
					return a.Kubectl(ctx, argv, o).ExitCode, nil
				}, nil)
			}
			// The page's terminal is kubectl's stdin, stdout and stderr.
			onMode := tty.Get("onMode")
			stdin := &inputQueue{}
			stdout := &textWriter{onText: func(t string) { onOutput.Invoke("stdout", t) }}
			stderr := &textWriter{onText: func(t string) { onOutput.Invoke("stderr", t) }}
			terminal, streams, closeTerminal := openPageTerminal(uint16(tty.Get("cols").Int()), uint16(tty.Get("rows").Int()),
				func(raw bool) {
					if onMode.Type() == js.TypeFunction {
						onMode.Invoke(raw)
					}
				}, stdin, stdout, stderr)
			o.Terminal = streams
			session, release := sessionControls(stdin, terminal.resize)
			session["cancel"] = stream(arg(args, 4), func(ctx context.Context) (any, error) {
				defer closeTerminal()
				defer stdin.Close()
				code := a.Kubectl(ctx, argv, o).ExitCode
				stdout.Flush()
				stderr.Flush()
				return code, nil
			}, release)
			return session
		},
		"writeFile": func(_ js.Value, args []js.Value) any {
			path, data := str(arg(args, 0)), arg(args, 1)
			var b []byte
			if data.InstanceOf(js.Global().Get("Uint8Array")) {
				b = make([]byte, data.Length())
				js.CopyBytesToGo(b, data)
			} else {
				b = []byte(str(data))
			}
			return promise(func() (any, error) { return nil, a.WriteFile(path, b) })
		},
		"readFile": func(_ js.Value, args []js.Value) any {
			path := str(arg(args, 0))
			return promise(func() (any, error) {
				b, err := a.ReadFile(path)
				if err != nil {
					return nil, err
				}
				arr := js.Global().Get("Uint8Array").New(len(b))
				js.CopyBytesToJS(arr, b)
				return arr, nil
			})
		},
		"removeFile": func(_ js.Value, args []js.Value) any {
			path := str(arg(args, 0))
			return promise(func() (any, error) { return nil, a.RemoveFile(path) })
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
		"setNetworkConditions": func(_ js.Value, args []js.Value) any {
			data := str(arg(args, 0))
			return promise(func() (any, error) {
				var conds []NetworkCondition
				if err := json.Unmarshal([]byte(data), &conds); err != nil {
					return nil, fmt.Errorf("network conditions: %w", err)
				}
				return nil, a.SetNetworkConditions(conds)
			})
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
			return stream(arg(args, 4), func(ctx context.Context) (any, error) {
				return nil, a.Watch(ctx, res, ns, rv, func(eventType string, object []byte) {
					onEvent.Invoke(eventType, string(object))
				})
			}, nil)
		},
		"watchTable": func(_ js.Value, args []js.Value) any {
			res, ns := str(arg(args, 0)), str(arg(args, 1))
			onEvent := arg(args, 2)
			return stream(arg(args, 3), func(ctx context.Context) (any, error) {
				return nil, a.WatchTable(ctx, res, ns, func(eventType string, table []byte) {
					onEvent.Invoke(eventType, string(table))
				})
			}, nil)
		},
		"logs": func(_ js.Value, args []js.Value) any {
			ns, pod, opts := str(arg(args, 0)), str(arg(args, 1)), arg(args, 2)
			onChunk := arg(args, 3)
			o := LogOptions{}
			if opts.Type() == js.TypeObject {
				o = LogOptions{Container: str(opts.Get("container")), Follow: opts.Get("follow").Truthy(), Previous: opts.Get("previous").Truthy()}
			}
			return stream(arg(args, 4), func(ctx context.Context) (any, error) {
				return nil, a.Logs(ctx, ns, pod, o, func(chunk string) { onChunk.Invoke(chunk) })
			}, nil)
		},
		"defineImage": func(_ js.Value, args []js.Value) any {
			spec := ImageSpec{Ref: str(arg(args, 0))}
			if cfg := arg(args, 1); cfg.Type() == js.TypeObject {
				spec.Entrypoint, spec.Cmd, spec.Env = stringSlice(cfg.Get("entrypoint")), stringSlice(cfg.Get("cmd")), stringSlice(cfg.Get("env"))
				spec.WorkingDir = str(cfg.Get("workingDir"))
			}
			handlers := arg(args, 2)
			spec.Run = func(p *registry.Process) int {
				id := processIDs.Add(1)
				var call js.Func
				code := RunImageProcess(p, func(ip *ImageProcess) {
					call = js.FuncOf(func(_ js.Value, args []js.Value) any {
						op, opArgs := str(arg(args, 0)), stringSlice(arg(args, 1))
						return promise(func() (any, error) { return ip.Call(op, opArgs) })
					})
					handlers.Call("start", id, map[string]any{
						"argv": anySlice(p.Args), "env": anySlice(p.Env), "dir": p.Dir, "hostname": p.Hostname, "tty": p.TTY,
					}, call)
				}, func() { handlers.Call("signal", id, "SIGTERM") })
				handlers.Call("end", id)
				call.Release()
				return code
			}
			return promise(func() (any, error) { return nil, a.DefineImage(spec) })
		},
		"exec": func(_ js.Value, args []js.Value) any {
			ns, pod, command, opts := str(arg(args, 0)), str(arg(args, 1)), stringSlice(arg(args, 2)), arg(args, 3)
			onOutput := arg(args, 4)
			o := ExecOptions{}
			var stdin *inputQueue
			if opts.Type() == js.TypeObject {
				o.Container, o.TTY = str(opts.Get("container")), opts.Get("tty").Truthy()
				if opts.Get("stdin").Truthy() {
					stdin = &inputQueue{}
					o.Stdin = stdin
				}
			}
			sizes := NewTerminalSizes()
			if o.TTY {
				o.TerminalSizes = sizes
			}
			stdout := &textWriter{onText: func(t string) { onOutput.Invoke("stdout", t) }}
			stderr := &textWriter{onText: func(t string) { onOutput.Invoke("stderr", t) }}
			o.Stdout, o.Stderr = stdout, stderr
			session, release := sessionControls(stdin, sizes.Resize)
			session["cancel"] = stream(arg(args, 5), func(ctx context.Context) (any, error) {
				defer sizes.Close()
				if stdin != nil {
					defer stdin.Close()
				}
				code, err := a.Exec(ctx, ns, pod, command, o)
				stdout.Flush()
				stderr.Flush()
				return code, err
			}, release)
			return session
		},
	}
	api := js.Global().Get("Object").New()
	for name, f := range fns {
		api.Set(name, js.FuncOf(f))
	}
	js.Global().Set("webernetes", api)
}

// sessionControls are the functions JavaScript feeds a running session
// with (an exec, a kubectl in a terminal): write(text) and closeStdin() to
// its stdin (none when stdin is nil), resize(cols, rows) to its terminal.
// release releases them, once the session has ended.
func sessionControls(stdin *inputQueue, resize func(cols, rows uint16)) (session map[string]any, release func()) {
	write := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if stdin != nil {
			stdin.Write([]byte(str(arg(args, 0))))
		}
		return nil
	})
	closeStdin := js.FuncOf(func(js.Value, []js.Value) any {
		if stdin != nil {
			stdin.Close()
		}
		return nil
	})
	resizeFn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if w, h := arg(args, 0), arg(args, 1); w.Type() == js.TypeNumber && h.Type() == js.TypeNumber {
			resize(uint16(w.Int()), uint16(h.Int()))
		}
		return nil
	})
	return map[string]any{"write": write, "closeStdin": closeStdin, "resize": resizeFn}, func() {
		write.Release()
		closeStdin.Release()
		resizeFn.Release()
	}
}

// stream runs f in a goroutine until it returns or the returned cancel
// function is called, then calls onEnd with "" (cancelled, or f ended
// without error) or f's error (a panic's text and stack), and f's value.
// The cancel function, and whatever release releases, are released after
// onEnd: JavaScript must not call them after that.
func stream(onEnd js.Value, f func(ctx context.Context) (any, error), release func()) js.Func {
	ctx, cancel := context.WithCancel(context.Background())
	cancelFn := js.FuncOf(func(js.Value, []js.Value) any {
		cancel()
		return nil
	})
	go func() {
		msg := ""
		var v any
		func() {
			defer func() {
				if r := recover(); r != nil {
					msg = fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack())
				}
			}()
			var err error
			if v, err = f(ctx); err != nil {
				msg = err.Error()
			}
		}()
		cancel()
		if onEnd.Type() == js.TypeFunction {
			onEnd.Invoke(msg, v)
		}
		cancelFn.Release()
		if release != nil {
			release()
		}
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

// processIDs numbers the processes of defined images.
var processIDs atomic.Int64

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// stringSlice is a JavaScript array's items as strings (numbers too).
func stringSlice(v js.Value) []string {
	if v.Type() != js.TypeObject {
		return nil
	}
	out := make([]string, v.Length())
	for i := range out {
		if item := v.Index(i); item.Type() == js.TypeString {
			out[i] = item.String()
		} else {
			out[i] = js.Global().Call("String", item).String()
		}
	}
	return out
}

func jsonString(v any) (any, error) {
	data, err := json.Marshal(v)
	return string(data), err
}
