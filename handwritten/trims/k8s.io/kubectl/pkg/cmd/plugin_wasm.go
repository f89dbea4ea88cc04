package cmd

import "errors"

// Execute implements PluginHandler. On wasm there are no executables and no
// exec(2), so a plugin found by name cannot be run.
func (h *DefaultPluginHandler) Execute(executablePath string, cmdArgs, environment []string) error {
	return errors.New("kubectl plugins cannot be executed on js/wasm: there is no exec")
}
