package redis

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// entrypointPath is where the image has docker-entrypoint.sh (a bash
// script; $0 in its messages).
const entrypointPath = "/usr/local/bin/docker-entrypoint.sh"

// modulesDir is where the real image's modules are; this image has none.
const modulesDir = "/usr/local/lib/redis/modules/"

// entrypoint is docker-entrypoint.sh of the Debian image
// (github.com/redis/docker-library-redis, debian/docker-entrypoint.sh): a
// first argument that is an option or a .conf file is given to
// redis-server; for redis-server it reports the files whose permissions
// it leaves alone (as root, which the container is), prints "Starting
// Redis Server" and adds --loadmodule for each module of modulesDir,
// then runs the command in its place.
func entrypoint(p *registry.Process) int {
	args := slices.Clone(p.Args[1:])
	if len(args) > 0 && (strings.HasPrefix(args[0], "-") || strings.HasSuffix(args[0], ".conf")) {
		args = append([]string{"redis-server"}, args...)
	}
	out := p.Stdout
	if out == nil {
		out = io.Discard
	}
	if len(args) == 0 {
		// exec with no arguments does nothing: the script ends.
		return 0
	}
	c := *p
	c.Args = args
	prog, err := c.LookPath(args[0])
	if err != nil {
		fmt.Fprintf(stderrOf(p), "%s: line 184: exec: %s: not found\n", entrypointPath, args[0])
		return 127
	}
	if isRedisServer(&c, args[0]) && !slices.Contains(args[1:], "--sentinel") {
		if p.Getenv("SKIP_DROP_PRIVS") == "" && p.Getenv("SKIP_FIX_PERMS") == "" && p.FS != nil {
			const skip = "Use SKIP_FIX_PERMS=1 to skip permission changes."
			if f := unknownDataFile(p); f != "" {
				fmt.Fprintf(out, "Notice: Unknown file '%s' found in data dir. Permissions will not be modified. %s\n", f, skip)
			}
			if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
				if dir, f := unknownConfigFile(p, args[1]); f != "" {
					fmt.Fprintf(out, "Notice: Unknown file '%s' found in '%s'. Permissions will not be modified. %s\n", f, dir, skip)
				}
			}
		}
		fmt.Fprintln(out, "Starting Redis Server")
		args = append(args, moduleArgs(p, out)...)
		c.Args = args
	}
	return registry.Run(prog, &c)
}

// isRedisServer is the script's test: the command resolves to
// /usr/local/bin/redis-server.
func isRedisServer(p *registry.Process, name string) bool {
	if strings.Contains(name, "/") {
		return p.Path(name) == "/usr/local/bin/redis-server"
	}
	pathEnv, ok := p.LookupEnv("PATH")
	if !ok {
		pathEnv = registry.DefaultPath
	}
	for _, dir := range strings.Split(pathEnv, ":") {
		full := p.Path(path.Join(dir, name))
		if p.Image == nil {
			return false
		}
		if _, ok := p.Image.Program(full); ok {
			return full == "/usr/local/bin/redis-server"
		}
		if p.FS != nil {
			if _, err := p.FS.Stat(full); err == nil {
				return false
			}
		}
	}
	return false
}

// unknownDataFile is the first entry of the working directory that is
// neither an .rdb file nor the appendonlydir directory, as
// `find . -mindepth 1 -maxdepth 1 -not ( -name *.rdb -or ... ) -print -quit`
// gives it ("./name"), or "".
func unknownDataFile(p *registry.Process) string {
	entries, err := p.FS.ReadDir(p.Path("."))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".rdb") || (e.IsDir() && e.Name() == "appendonlydir") {
			continue
		}
		return "./" + e.Name()
	}
	return ""
}

// unknownConfigFile is, for an existing config file, its directory as the
// script names it and the first other entry in it, or "".
func unknownConfigFile(p *registry.Process, config string) (dir, unknown string) {
	info, err := p.FS.Stat(p.Path(config))
	if err != nil || !info.Mode().IsRegular() {
		return "", ""
	}
	dir = path.Dir(config)
	entries, err := p.FS.ReadDir(p.Path(dir))
	if err != nil {
		return "", ""
	}
	for _, e := range entries {
		if e.Name() != path.Base(config) {
			return dir, strings.TrimSuffix(dir, "/") + "/" + e.Name()
		}
	}
	return "", ""
}

// moduleArgs is the script's --loadmodule arguments for modulesDir, and
// its messages.
func moduleArgs(p *registry.Process, out io.Writer) []string {
	if p.FS == nil {
		fmt.Fprintf(out, "Warning: Default Redis modules directory %s does not exist.\n", modulesDir)
		return nil
	}
	entries, err := p.FS.ReadDir(modulesDir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, registry.ENOTDIR) {
		fmt.Fprintf(out, "Warning: Default Redis modules directory %s does not exist.\n", modulesDir)
		return nil
	}
	var args []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".so") {
			continue
		}
		module := modulesDir + "/" + e.Name()
		info, err := e.Info()
		switch {
		case err != nil:
			continue
		case info.IsDir():
			fmt.Fprintf(out, "Skipping module %s: is a directory.\n", module)
		case info.Size() == 0:
			fmt.Fprintf(out, "Skipping module %s: file has no size.\n", module)
		case info.Mode()&0o111 == 0:
			fmt.Fprintf(out, "Warning: Module %s is not executable.\n", module)
		default:
			args = append(args, "--loadmodule", module)
		}
	}
	return args
}

func stderrOf(p *registry.Process) io.Writer {
	if p.Stderr == nil {
		return io.Discard
	}
	return p.Stderr
}

func stdoutOf(p *registry.Process) io.Writer {
	if p.Stdout == nil {
		return io.Discard
	}
	return p.Stdout
}
