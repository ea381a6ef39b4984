import { backgroundProcessRoutes } from "./background-processes";
import { certificateRoutes } from "./certificates";
import { commandRoutes } from "./commands";
import type { RouteDefinition } from "./context";
import { databaseUserRoutes } from "./database-users";
import { databaseRoutes } from "./databases";
import { deploymentRoutes } from "./deployments";
import { domainRoutes } from "./domains";
import { healthcheckRoutes } from "./healthcheck";
import { orgRoutes } from "./orgs";
import { securityRuleRoutes } from "./security-rules";
import { serverRoutes } from "./servers";
import { siteFileRoutes } from "./site-files";
import { siteRoutes } from "./sites";

/** Every operation the simulator implements. */
export const ROUTES: RouteDefinition[] = [
  ...orgRoutes,
  ...serverRoutes,
  ...siteRoutes,
  ...domainRoutes,
  ...certificateRoutes,
  ...siteFileRoutes,
  ...deploymentRoutes,
  ...databaseRoutes,
  ...databaseUserRoutes,
  ...backgroundProcessRoutes,
  ...securityRuleRoutes,
  ...commandRoutes,
  ...healthcheckRoutes,
];
