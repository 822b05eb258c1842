/** Every benchmark scenario, registered in the order `npm run bench` runs them. */
import "./schedule";
import "./transport";
import "./overhead";
import "./reliable";
import "./cubes";
import "./codec";
import "./rtt";
import "./servicesHttp";
import "./services";
