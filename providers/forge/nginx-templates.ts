import { decodeDocument, type DecodedResource } from "./json-api";
import type { Paginated } from "./paginate";
import type { ForgeTransport } from "./request";

/** A server's Nginx template; its id goes into `sites.create({ nginxTemplateId })`. */
export interface NginxTemplate {
  id: number;
  name: string;
  content: string | null;
}

export function toNginxTemplate(resource: DecodedResource): NginxTemplate {
  const a = resource.attributes;
  return { id: resource.id, name: a.string("name"), content: a.optionalString("content") };
}

export class NginxTemplatesApi {
  constructor(private readonly transport: ForgeTransport) {}

  list(serverId: number, params: { name?: string; pageSize?: number } = {}): Paginated<NginxTemplate> {
    return this.transport.list(
      {
        operation: "organizations.servers.nginx.templates.index",
        params: { server: serverId },
        query: { "filter[name]": params.name },
        pageSize: params.pageSize,
      },
      "nginxTemplates",
      toNginxTemplate,
    );
  }

  /** The template named exactly `name`, or `undefined`. */
  findByName(serverId: number, name: string): Promise<NginxTemplate | undefined> {
    return this.list(serverId, { name }).find((template) => template.name === name);
  }

  async get(serverId: number, templateId: number): Promise<NginxTemplate> {
    const body = await this.transport.send({
      operation: "organizations.servers.nginx.templates.show",
      params: { server: serverId, nginxTemplate: templateId },
    });
    return toNginxTemplate(decodeDocument(body, "nginxTemplates"));
  }
}
