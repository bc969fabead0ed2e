import { postgresSuite } from './postgres.suite';

postgresSuite('prod');
