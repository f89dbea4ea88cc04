package jsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strconv"
	"sync"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images"
)

// ImageSpec is an image a page defines: its reference, its configuration
// and its one program, which JavaScript runs (bridge_js.go).
type ImageSpec struct {
	// Ref names it as a pod's image field does: "example.com/hello:1.0";
	// no tag is ":latest". A digest is refused: a page's image has no
	// manifest to be the digest of.
	Ref string
	// Entrypoint is the image's ENTRYPOINT; its first word is the path of
	// the program. Empty is ["/" + the repository's last path component]
	// ("/hello").
	Entrypoint []string
	Cmd        []string
	// Env is the image's environment (KEY=value); PATH defaults to the
	// runtimes' default.
	Env        []string
	WorkingDir string
	// Run is the program.
	Run registry.Program
}

// DefineImage makes spec's image available to the cluster's nodes under
// its name, replacing an image of the same name (and tags), built-in ones
// included. It may be called before Start and while the cluster runs: a
// node pulls it as it pulls any image. Only the entrypoint's path is a
// program: a pod that runs another command fails as it would with an image
// that lacks the file.
func (a *API) DefineImage(spec ImageSpec) error {
	parsed, err := registry.ParseNormalized(spec.Ref)
	if err != nil {
		return err
	}
	name, tag, digest := parsed.Name, parsed.Tag, parsed.Digest
	if digest != "" {
		return fmt.Errorf("define image %q: name it by tag, not by digest", spec.Ref)
	}
	if spec.Run == nil {
		return fmt.Errorf("define image %q: no program", spec.Ref)
	}
	img := &definedImage{name: name, tag: tag, spec: spec}
	if len(img.spec.Entrypoint) == 0 {
		img.spec.Entrypoint = []string{"/" + path.Base(name)}
	}
	if !path.IsAbs(img.spec.Entrypoint[0]) {
		return fmt.Errorf("define image %q: the entrypoint %q is not an absolute path", spec.Ref, img.spec.Entrypoint[0])
	}
	hasPath := false
	for _, kv := range img.spec.Env {
		if len(kv) >= 5 && kv[:5] == "PATH=" {
			hasPath = true
		}
	}
	if !hasPath {
		img.spec.Env = append([]string{"PATH=" + registry.DefaultPath}, img.spec.Env...)
	}
	a.registry().Register(img)
	return nil
}

// registry is the registry the cluster's nodes pull from: the built-in
// images and the page's.
func (a *API) registry() *registry.Registry {
	a.imagesOnce.Do(func() { a.images = images.Default() })
	return a.images
}

// definedImage is a page's image.
type definedImage struct {
	name, tag string
	spec      ImageSpec
}

func (i *definedImage) Name() string   { return i.name }
func (i *definedImage) Tags() []string { return []string{i.tag} }

func (i *definedImage) Config() registry.Config {
	return registry.Config{
		Entrypoint: i.spec.Entrypoint,
		Cmd:        i.spec.Cmd,
		Env:        i.spec.Env,
		WorkingDir: i.spec.WorkingDir,
		Size:       4096,
	}
}

func (i *definedImage) Program(p string) (registry.Program, bool) {
	if p != i.spec.Entrypoint[0] {
		return nil, false
	}
	return i.spec.Run, true
}

// ImageProcess is a running program of a defined image as JavaScript drives
// it: each of its operations is one Call, by name, with string arguments.
// Its listeners and connections are numbered handles; End closes them.
type ImageProcess struct {
	P *registry.Process

	mu      sync.Mutex
	next    int
	handles map[int]io.Closer
	pending map[io.Reader][]byte // the start of a character split by a read
	exited  chan int
	once    sync.Once
	ended   bool
}

// NewImageProcess returns p's operations.
func NewImageProcess(p *registry.Process) *ImageProcess {
	return &ImageProcess{P: p, handles: map[int]io.Closer{}, pending: map[io.Reader][]byte{}, exited: make(chan int, 1)}
}

// Exited delivers the exit status the program gave with the "exit" call.
func (ip *ImageProcess) Exited() <-chan int { return ip.exited }

// End closes what the program left open; later calls fail.
func (ip *ImageProcess) End() {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	ip.ended = true
	for id, h := range ip.handles {
		h.Close()
		delete(ip.handles, id)
	}
}

var errProcessEnded = errors.New("the process has ended")

// Call performs op:
//
//	write(stream "stdout"|"stderr", text)
//	read()                    → text, or nil at the end of stdin
//	readFile(path)            → text
//	writeFile(path, text)
//	listen(address ":8080")   → listener handle
//	accept(listener)          → connection handle, or nil once the listener is closed
//	dial(address "host:port") → connection handle
//	recv(connection)          → text, or nil at its end
//	send(connection, text)
//	close(handle)
//	lookupHost(name)          → addresses
//	exit(status)
//
// Errors are Go's (a *fs.PathError, a net.OpError), as the program's own
// would be.
func (ip *ImageProcess) Call(op string, args []string) (any, error) {
	p := ip.P
	ctx := p.KillContext()
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	ip.mu.Lock()
	ended := ip.ended
	ip.mu.Unlock()
	if ended {
		return nil, errProcessEnded
	}
	switch op {
	case "write":
		w := p.Stdout
		if arg(0) == "stderr" {
			w = p.Stderr
		}
		if w == nil {
			return nil, nil
		}
		_, err := io.WriteString(w, arg(1))
		return nil, err
	case "read":
		if p.Stdin == nil {
			return nil, nil
		}
		return ip.readText(p.Stdin)
	case "readFile":
		data, err := p.FS.ReadFile(p.Path(arg(0)))
		return string(data), err
	case "writeFile":
		return nil, p.FS.WriteFile(p.Path(arg(0)), []byte(arg(1)), 0o644)
	case "listen":
		l, err := p.Net.Listen(ctx, "tcp", arg(0))
		if err != nil {
			return nil, err
		}
		return ip.add(l)
	case "accept":
		l, ok := ip.handle(arg(0)).(net.Listener)
		if !ok {
			return nil, fmt.Errorf("accept: %q is not a listener", arg(0))
		}
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return ip.add(c)
	case "dial":
		c, err := p.Net.Dial(ctx, "tcp", arg(0))
		if err != nil {
			return nil, err
		}
		return ip.add(c)
	case "recv":
		c, ok := ip.handle(arg(0)).(net.Conn)
		if !ok {
			return nil, fmt.Errorf("recv: %q is not a connection", arg(0))
		}
		return ip.readText(c)
	case "send":
		c, ok := ip.handle(arg(0)).(net.Conn)
		if !ok {
			return nil, fmt.Errorf("send: %q is not a connection", arg(0))
		}
		_, err := io.WriteString(c, arg(1))
		return nil, err
	case "close":
		ip.mu.Lock()
		id, _ := strconv.Atoi(arg(0))
		h := ip.handles[id]
		delete(ip.handles, id)
		ip.mu.Unlock()
		if h != nil {
			return nil, h.Close()
		}
		return nil, nil
	case "lookupHost":
		addrs, err := p.Net.LookupHost(ctx, arg(0))
		out := make([]any, len(addrs))
		for i, a := range addrs {
			out[i] = a
		}
		return out, err
	case "exit":
		code, err := strconv.Atoi(arg(0))
		if err != nil {
			return nil, fmt.Errorf("exit: status %q is not a number", arg(0))
		}
		ip.once.Do(func() { ip.exited <- code })
		return nil, nil
	}
	return nil, fmt.Errorf("no operation %q", op)
}

func (ip *ImageProcess) add(c io.Closer) (any, error) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if ip.ended {
		c.Close()
		return nil, errProcessEnded
	}
	ip.next++
	ip.handles[ip.next] = c
	return ip.next, nil
}

func (ip *ImageProcess) handle(id string) io.Closer {
	n, _ := strconv.Atoi(id)
	ip.mu.Lock()
	defer ip.mu.Unlock()
	return ip.handles[n]
}

// readText reads what r has now (at most 32 KiB) as text, ending between
// whole UTF-8 characters (a split one waits for the next call); nil at
// r's end.
func (ip *ImageProcess) readText(r io.Reader) (any, error) {
	buf := make([]byte, 32<<10)
	n, err := r.Read(buf)
	ip.mu.Lock()
	defer ip.mu.Unlock()
	data := append(ip.pending[r], buf[:n]...)
	delete(ip.pending, r)
	if err == io.EOF || errors.Is(err, net.ErrClosed) {
		if len(data) > 0 {
			return string(data), nil
		}
		return nil, nil
	}
	cut := completeRunes(data)
	if cut < len(data) {
		ip.pending[r] = append([]byte(nil), data[cut:]...)
	}
	if err != nil && cut == 0 {
		return nil, err
	}
	return string(data[:cut]), nil
}

// RunImageProcess runs a defined image's program whose body is start: start
// hands the process's operations to JavaScript, which calls "exit" when the
// program ends. It returns that status; a program still running when the
// container is killed (the grace period is over) ends then. sigterm is
// called once if the container is stopped first.
func RunImageProcess(p *registry.Process, start func(ip *ImageProcess), sigterm func()) int {
	ip := NewImageProcess(p)
	defer ip.End()
	start(ip)
	stop := context.AfterFunc(p.Context(), sigterm)
	defer stop()
	select {
	case code := <-ip.Exited():
		return code
	case <-p.KillContext().Done():
		return 137
	}
}
