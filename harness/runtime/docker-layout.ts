// Fixed names of the docker runtime: ports inside the run's network and the labels on everything
// it creates. Kept apart from the testcontainers code so the image build does not load it.

export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;
export const TOXIPROXY_API_PORT = 8474;
export const SERVICE_PORT = 8080;
/** the proxy of edge i listens on EDGE_PORT_BASE + i inside the Toxiproxy container */
export const EDGE_PORT_BASE = 10_000;

export const LABEL_RUN_ID = 'faultline.run-id';
export const LABEL_PART = 'faultline.part';
/** `<pid>:<start time>` of the process that started the stack: alive means "not a leftover" */
export const LABEL_OWNER = 'faultline.owner';
export const LABEL_OWNER_HOST = 'faultline.owner-host';
export const LABEL_CHECKOUT = 'faultline.checkout';
