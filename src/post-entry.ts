import './dirname-shim.js';
import { post } from './post.js';

await post();
