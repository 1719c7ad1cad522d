// Port forwards: a port on a host's loopback (a service an experiment runs: Jupyter Lab,
// code-server, TensorBoard, any port) reached from a loopback port on this computer, over the
// host's pooled SSH connection. Nothing is opened on the host's network.

export interface PortForward {
  id: string;
  hostId: number;
  hostName: string;
  /** The experiment it was opened from, if any. */
  experimentId: number | null;
  /** What a person called it ("Jupyter Lab"), or null. */
  label: string | null;
  /** Where it goes on the host (default 127.0.0.1). */
  remoteHost: string;
  remotePort: number;
  /** Where it listens here: always 127.0.0.1. */
  localPort: number;
  /** http://127.0.0.1:<localPort>/ */
  url: string;
  createdAt: number;
  /** Connections open now, and since it was opened. */
  activeConnections: number;
  totalConnections: number;
  /** Bytes sent to the host (what clients here wrote), and received from it. */
  bytesIn: number;
  bytesOut: number;
  /** The last connection's failure (host unreachable, nothing listening there), or null. */
  lastError: string | null;
}
