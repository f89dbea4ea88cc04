package node

import (
	"context"

	"time"

	cadvisorapi "github.com/google/cadvisor/lib/model"
	v1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/kubelet/cadvisor"
	cadvisortest "k8s.io/kubernetes/pkg/kubelet/cadvisor/testing"
	"k8s.io/kubernetes/pkg/kubelet/cm"

	"github.com/webernetes/webernetes/handwritten/cri"
)

// The node's disk, as cAdvisor would report the file system its / is on:
// one file system holds the kubelet's root, the pod logs and the
// runtime's images and containers, as on a kind node. Its size is a
// setting, not a reading (the node's files are in the host's or the
// browser's memory); its use is the runtime's pulled images.
const (
	diskCapacity = 100 << 30
	// diskInodes is what mkfs.ext4 gives a disk of diskCapacity (one inode
	// per 16 KiB).
	diskInodes = diskCapacity / 16384
	// diskDevice is the device cAdvisor names for the node's / .
	diskDevice = "/dev/root"
)

// machine is the node's cAdvisor: kubemark's machine (upstream's Fake: 1
// core, 3.75 GiB, no containers to read), with the node's disk. Fake's
// file systems have capacity 0, which makes every kubelet warn
// "InvalidDiskCapacity: invalid capacity 0 on image filesystem" at start
// and report an ephemeral-storage capacity of 0; a real node does
// neither.
type machine struct {
	*cadvisortest.Fake
	runtime *cri.Runtime
}

// ImagesFsInfo is the disk: the image file system is /'s.
func (m machine) ImagesFsInfo(ctx context.Context) (cadvisorapi.FsInfo, error) {
	return m.disk(ctx), nil
}

// RootFsInfo is the disk.
func (m machine) RootFsInfo() (cadvisorapi.FsInfo, error) {
	return m.disk(context.Background()), nil
}

// ContainerFsInfo is the disk: containers' writable layers are on /.
func (m machine) ContainerFsInfo(ctx context.Context) (cadvisorapi.FsInfo, error) {
	return m.disk(ctx), nil
}

// GetDirFsInfo is the disk for every directory (the CRI stats provider
// asks for the runtime's image directory).
func (m machine) GetDirFsInfo(string) (cadvisorapi.FsInfo, error) {
	return m.disk(context.Background()), nil
}

func (m machine) disk(ctx context.Context) cadvisorapi.FsInfo {
	var used, inodesUsed uint64
	if m.runtime != nil {
		if resp, err := m.runtime.ImageFsInfo(ctx); err == nil {
			for _, fs := range resp.ImageFilesystems {
				used += fs.GetUsedBytes().GetValue()
				inodesUsed += fs.GetInodesUsed().GetValue()
			}
		}
	}
	used = min(used, diskCapacity)
	inodes := uint64(diskInodes)
	free := inodes - min(inodesUsed, inodes)
	return cadvisorapi.FsInfo{
		Timestamp:  time.Now(),
		Device:     diskDevice,
		Mountpoint: "/",
		Capacity:   diskCapacity,
		Available:  diskCapacity - used,
		Usage:      used,
		Inodes:     &inodes,
		InodesFree: &free,
	}
}

// containerManager is upstream's stub container manager (no cgroups to
// manage) with the ephemeral-storage capacity the Linux one reports: the
// capacity of cAdvisor's root file system (containerManagerImpl.Start and
// GetCapacity). The stub's is 0.
type containerManager struct {
	cm.ContainerManager
	cadvisor cadvisor.Interface
}

// GetCapacity implements cm.ContainerManager.
func (c containerManager) GetCapacity(logger klog.Logger, localStorageCapacityIsolation bool) v1.ResourceList {
	capacity := c.ContainerManager.GetCapacity(logger, localStorageCapacityIsolation)
	if !localStorageCapacityIsolation {
		return capacity
	}
	rootfs, err := c.cadvisor.RootFsInfo()
	if err != nil {
		logger.Error(err, "Failed to get rootfs info")
		return capacity
	}
	for name, quantity := range cadvisor.EphemeralStorageCapacityFromFsInfo(rootfs) {
		capacity[name] = quantity
	}
	return capacity
}
