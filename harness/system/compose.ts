// A docker-compose.yml as the docker runtime boots it: the keys people use (image, build, command,
// environment, depends_on, healthcheck, ports, expose, volumes), normalised; any other key is
// refused naming it. The parts faultline puts Toxiproxy in front of come from the system
// declaration's edges; composeEdges suggests them from depends_on and from addresses in the environment.

export interface ComposeHealthcheck {
  /** argv run in the container (CMD form), or ['sh', '-c', text] for CMD-SHELL and a plain string */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ComposeVolume {
  /** absolute path on the host (a bind mount) */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ComposeService {
  name: string;
  image?: string;
  /** context made absolute against the compose file's folder */
  build?: { context: string; dockerfile?: string };
  /** argv; a string command is split as a shell splits words */
  command?: string[];
  environment: Record<string, string>;
  dependsOn: string[];
  healthcheck?: ComposeHealthcheck;
  /** container ports from `ports` and `expose` */
  containerPorts: number[];
  volumes: ComposeVolume[];
}

export interface ComposeSystem {
  /** the compose file (absolute) */
  file: string;
  services: Record<string, ComposeService>;
}
