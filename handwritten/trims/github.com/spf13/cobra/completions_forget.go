package cobra

import "github.com/spf13/pflag"

// ForgetFlagCompletions removes the completion functions registered for the
// flags of cmd and of its subcommands from the process-wide table
// (flagCompletionFunctions). The table otherwise keeps every command tree a
// process builds, and all that its completion functions reference, for the
// life of the process. A program that builds a new command tree per call
// (kubectl run in the browser's cluster process) calls it when a tree is done.
func ForgetFlagCompletions(cmd *Command) {
	flagCompletionMutex.Lock()
	defer flagCompletionMutex.Unlock()
	var forget func(c *Command)
	forget = func(c *Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { delete(flagCompletionFunctions, f) })
		}
		for _, sub := range c.Commands() {
			forget(sub)
		}
	}
	forget(cmd)
}
