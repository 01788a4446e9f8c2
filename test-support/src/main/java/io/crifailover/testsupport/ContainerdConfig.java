package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the private containerd's config.toml, CNI config and registry host configs. */
final class ContainerdConfig {
    private ContainerdConfig() {}

    static void write(Path work, int slot, String pauseImage, String streamAddress, List<String> plainHttpRegistries)
            throws IOException {
        Path cniConf = Files.createDirectories(work.resolve("cni/net.d"));
        Files.writeString(cniConf.resolve("10-crif.conflist"), """
        {
          "cniVersion": "1.0.0",
          "name": "crif-%1$d",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "%2$s",
              "isGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%4$s"}]],
                "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": "%3$s"
              }
            },
            {"type": "loopback"}
          ]
        }
        """.formatted(
                        slot, bridgeName(slot), work.resolve("cni/ipam"), podSubnet(slot)));
        Path certs = work.resolve("certs.d");
        for (String hostPort : plainHttpRegistries) {
            Path dir = Files.createDirectories(certs.resolve(hostPort));
            Files.writeString(dir.resolve("hosts.toml"), """
          server = "http://%1$s"
          [host."http://%1$s"]
            capabilities = ["pull", "resolve", "push"]
            skip_verify = true
          """.formatted(hostPort));
        }
        Files.writeString(work.resolve("config.toml"), """
        version = 3
        root = '%1$s/root'
        state = '%1$s/state'
        disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.snapshotter.v1.btrfs',
          'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper',
          'io.containerd.snapshotter.v1.erofs', 'io.containerd.internal.v1.tracing']

        [grpc]
          address = '%1$s/containerd.sock'

        [ttrpc]
          address = '%1$s/containerd.sock.ttrpc'

        [plugins]
          [plugins.'io.containerd.cri.v1.images']
            snapshotter = 'overlayfs'
            [plugins.'io.containerd.cri.v1.images'.pinned_images]
              sandbox = '%2$s'
            [plugins.'io.containerd.cri.v1.images'.registry]
              config_path = '%1$s/certs.d'

          [plugins.'io.containerd.cri.v1.runtime']
            enable_selinux = false
            restrict_oom_score_adj = true
            netns_mounts_under_state_dir = true
            enable_cdi = false
            [plugins.'io.containerd.cri.v1.runtime'.containerd]
              default_runtime_name = 'runc'
              [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
                runtime_type = 'io.containerd.runc.v2'
                [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
                  BinaryName = '/usr/sbin/runc'
                  Root = '%1$s/runc'
                  SystemdCgroup = false
            [plugins.'io.containerd.cri.v1.runtime'.cni]
              bin_dirs = ['/usr/lib/cni']
              conf_dir = '%1$s/cni/net.d'
              max_conf_num = 1

          [plugins.'io.containerd.grpc.v1.cri']
            disable_tcp_service = true
            stream_server_address = '%3$s'
            stream_server_port = '0'

          [plugins.'io.containerd.internal.v1.opt']
            path = '%1$s/opt'
        """.formatted(work, pauseImage, streamAddress));
    }

    static String podSubnet(int slot) {
        return "10.212." + slot + ".0/24";
    }

    static String bridgeName(int slot) {
        return "crb" + slot;
    }

    static String cgroupParent(int slot) {
        return "/crif-" + slot;
    }
}
