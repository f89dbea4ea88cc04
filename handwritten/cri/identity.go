package cri

import (
	"slices"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// identity is the user, group and supplementary groups a container's
// processes run as, as containerd sets them up for runc: the security
// context's runAsUser (else the image's USER, else root) and runAsGroup
// (else the user's primary group in the container's /etc/passwd, else 0);
// the supplementary groups are the primary group, the groups of the
// container's /etc/group that list the user by name, and the pod's
// supplementalGroups.
func (c *container) identity() (uid, gid int64, groups []int64) {
	sc := c.config.GetLinux().GetSecurityContext()
	passwd := readEtc(c.fs, "/etc/passwd")
	user, group, _ := strings.Cut(c.img.image.Config().User, ":")
	name := ""
	if sc.GetRunAsUser() != nil {
		uid = sc.GetRunAsUser().GetValue()
	} else if sc.GetRunAsUsername() != "" {
		user = sc.GetRunAsUsername()
	}
	if sc.GetRunAsUser() == nil && user != "" {
		if n, err := strconv.ParseInt(user, 10, 64); err == nil {
			uid = n
		} else {
			for _, f := range passwd {
				if f[0] == user && len(f) > 3 {
					uid, _ = strconv.ParseInt(f[2], 10, 64)
				}
			}
		}
	}
	primary := int64(0)
	for _, f := range passwd {
		if len(f) > 3 && f[2] == strconv.FormatInt(uid, 10) {
			name = f[0]
			primary, _ = strconv.ParseInt(f[3], 10, 64)
			break
		}
	}
	gid = primary
	if group != "" {
		if n, err := strconv.ParseInt(group, 10, 64); err == nil {
			gid = n
		}
	}
	if sc.GetRunAsGroup() != nil {
		gid = sc.GetRunAsGroup().GetValue()
	}
	groups = []int64{gid}
	if name != "" {
		for _, f := range readEtc(c.fs, "/etc/group") {
			if len(f) > 3 && slices.Contains(strings.Split(f[3], ","), name) {
				if n, err := strconv.ParseInt(f[2], 10, 64); err == nil {
					groups = append(groups, n)
				}
			}
		}
	}
	groups = append(groups, sc.GetSupplementalGroups()...)
	slices.Sort(groups)
	return uid, gid, slices.Compact(groups)
}

// readEtc returns the colon-separated fields of each line of a file of the
// container's /etc (none when it is missing).
func readEtc(fsys registry.FileSystem, name string) [][]string {
	if fsys == nil {
		return nil
	}
	data, err := fsys.ReadFile(name)
	if err != nil {
		return nil
	}
	var out [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, strings.Split(line, ":"))
		}
	}
	return out
}

// home is the home directory of the container's user in its /etc/passwd,
// or / when it has none.
func (c *container) home() string {
	for _, f := range readEtc(c.fs, "/etc/passwd") {
		if len(f) > 5 && f[2] == strconv.FormatInt(c.uid, 10) && f[5] != "" {
			return f[5]
		}
	}
	return "/"
}
