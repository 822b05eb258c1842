/** Every benchmark scenario, registered in the order `npm run bench` runs them. */
import "./schedule";
import "./transport";
import "./overhead";
import "./cubes";
import "./reliable";
import "./services";
import "./codec";
import "./rtt";
import "./servicesHttp";
import "./scale";
import "./netheap";
