import { postgresSuite } from './postgres.suite';

postgresSuite('dev');
